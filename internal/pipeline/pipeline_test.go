package pipeline

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/ramsso/ramsso/internal/capture"
	"github.com/ramsso/ramsso/internal/config"
	"github.com/ramsso/ramsso/internal/store"
	"github.com/ramsso/ramsso/internal/sts"
)

func TestEffectsFollowTheSettings(t *testing.T) {
	noop := func(context.Context, store.Session) {}
	for _, tc := range []struct {
		set  config.Settings
		want string
	}{
		{config.Settings{}, "tray notice"},
		{config.Settings{ConfigureCLI: true}, "aliyun CLI profile,tray notice"},
	} {
		p := New(Options{Home: t.TempDir(), Eff: config.Resolve(nil, &tc.set), Notify: noop})
		var names []string
		for _, e := range p.Effects() {
			names = append(names, e.Name)
		}
		if got := strings.Join(names, ","); got != tc.want {
			t.Errorf("configureCli=%t: effects %q, want %q", tc.set.ConfigureCLI, got, tc.want)
		}
	}
	if n := len(capture.Effects(&config.Settings{ConfigureCLI: true}, nil, nil)); n != 0 {
		t.Errorf("nil effect functions gave %d effects", n)
	}
}

func TestSTSFlagsOverEffective(t *testing.T) {
	set := &config.Settings{STS: config.STSSettings{Endpoint: "sts.cn-hangzhou.aliyuncs.com"}}
	env := map[string]string{config.EnvSTSEndpoint: "http://127.0.0.1:9"}
	var got sts.Config
	p := New(Options{Home: t.TempDir(), Eff: config.Resolve(func(k string) string { return env[k] }, set),
		NewSTS: func(c sts.Config) (sts.Assumer, error) { got = c; return nil, nil }})
	for _, tc := range []struct{ endpoint, region, wantEndpoint, wantRegion string }{
		{"", "", "http://127.0.0.1:9", ""},
		{"sts.example.com", "", "sts.example.com", ""},
		{"", "cn-beijing", "", "cn-beijing"},
	} {
		if _, _, err := p.STS(tc.endpoint, tc.region); err != nil {
			t.Fatal(err)
		}
		if got.Endpoint != tc.wantEndpoint || got.Region != tc.wantRegion {
			t.Errorf("flags %q/%q: config %+v", tc.endpoint, tc.region, got)
		}
	}
	if _, _, err := p.STS("a.example", "cn-beijing"); !errors.Is(err, config.ErrBothSTSFlags) {
		t.Errorf("both flags: %v", err)
	}
	// Without an injected client, an invalid flag is refused by sts.New.
	real := New(Options{Home: t.TempDir(), Eff: config.Resolve(func(k string) string { return env[k] }, set)})
	if _, _, err := real.STS("", "bad/region"); err == nil || !strings.Contains(err.Error(), "bad/region") {
		t.Errorf("--sts-region bad/region: %v", err)
	}
}

func TestStoreOpensOnceAndOnlyWhenAsked(t *testing.T) {
	opened := 0
	p := New(Options{Home: t.TempDir(), Eff: config.Resolve(nil, nil),
		OpenStore: func(ctx context.Context, home, kind string) (store.Store, error) {
			opened++
			if kind != store.KindKeyring {
				t.Errorf("store kind %q", kind)
			}
			return store.Open(ctx, home, store.KindFile)
		}})
	if opened != 0 {
		t.Fatal("New opened the store")
	}
	for range 3 {
		if _, err := p.Store(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if opened != 1 {
		t.Errorf("store opened %d times", opened)
	}
}
