package sts

import "testing"

func TestFallbackDuration(t *testing.T) {
	tests := []struct {
		requested int
		message   string
		want      int
	}{
		{7200, "The parameter DurationSeconds is invalid.", 3600},
		{43200, "The DurationSeconds is invalid. It exceeds the role's MaxSessionDuration of 7200 seconds.", 7200},
		{43200, "The Min/Max value of DurationSeconds is 900/5400 seconds", 5400},
		{7200, "max 43200", 3600},           // not below the request: ignored
		{7200, "RequestId 1234-ABCD", 3600}, // 1234 < 3600: not a role maximum
		{28800, "between 3600 and 14400", 14400},
		{3600, "anything", 0}, // nothing shorter that every role allows
		{0, "anything", 0},    // STS's default
	}
	for _, tt := range tests {
		if got := FallbackDuration(tt.requested, tt.message); got != tt.want {
			t.Errorf("FallbackDuration(%d, %q) = %d, want %d", tt.requested, tt.message, got, tt.want)
		}
	}
}
