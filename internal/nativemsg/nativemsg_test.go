package nativemsg

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"
)

func frame(n uint32, body []byte) []byte {
	b := make([]byte, 4, 4+len(body))
	binary.NativeEndian.PutUint32(b, n)
	return append(b, body...)
}

func TestReadFrame(t *testing.T) {
	tests := []struct {
		name    string
		in      []byte
		want    string
		wantErr error
	}{
		{"ok", frame(13, []byte(`{"type":"x"}`+" ")), `{"type":"x"} `, nil},
		{"empty input", nil, "", io.EOF},
		{"short header", []byte{1, 0}, "", io.ErrUnexpectedEOF},
		{"truncated body", frame(10, []byte("abc")), "", io.ErrUnexpectedEOF},
		{"header only", frame(10, nil), "", io.ErrUnexpectedEOF},
		{"over cap", frame(MaxIncoming+1, nil), "", ErrTooLarge},
		{"huge", frame(0xFFFFFFFF, nil), "", ErrTooLarge},
		{"zero length", frame(0, nil), "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadFrame(bytes.NewReader(tt.in))
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err == nil && string(got) != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestWriteRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteJSON(&buf, map[string]any{"ok": true, "type": "pong"}); err != nil {
		t.Fatal(err)
	}
	got, err := ReadFrame(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != `{"ok":true,"type":"pong"}` {
		t.Fatalf("got %s", got)
	}
	if err := WriteFrame(&buf, make([]byte, MaxOutgoing+1)); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("oversized write: err = %v", err)
	}
}

func FuzzReadFrame(f *testing.F) {
	f.Add(frame(2, []byte("{}")))
	f.Add(frame(5, []byte("ab")))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, in []byte) {
		r := bytes.NewReader(in)
		for i := 0; i < 100; i++ {
			if _, err := ReadFrame(r); err != nil {
				return
			}
		}
	})
}
