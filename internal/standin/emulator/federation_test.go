package emulator_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/ramsso/ramsso/internal/standin/emulator"
	"github.com/ramsso/ramsso/internal/standin/testidp"
)

// TestFederationTrustsIssued: GetSigninToken accepts exactly the triple
// the STS emulator minted, the token works once and for 30 s.
func TestFederationTrustsIssued(t *testing.T) {
	e := newEnv(t, nil)
	a := e.post(form(e.response(testidp.Options{}), roleAdmin, provider))
	if a.status != 200 {
		t.Fatalf("assume: %d %s", a.status, a.raw)
	}
	ak, sk, tok := a.str("Credentials", "AccessKeyId"), a.str("Credentials", "AccessKeySecret"), a.str("Credentials", "SecurityToken")
	if !e.srv.Issued(ak, sk, tok) {
		t.Fatal("Issued rejects what the emulator minted")
	}
	now := e.now
	fed := emulator.NewFederation(e.srv.Issued)
	fed.SetClock(func() time.Time { return now })
	hs := httptest.NewServer(e.srv.Handler(fed))
	defer hs.Close()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	signin := func(ak, sk, tok string) (int, string) {
		q := url.Values{"Action": {"GetSigninToken"}, "AccessKeyId": {ak}, "AccessKeySecret": {sk}, "SecurityToken": {tok}, "TicketType": {"mini"}}
		res, err := client.Get(hs.URL + "/federation?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out map[string]string
		_ = json.NewDecoder(res.Body).Decode(&out)
		return res.StatusCode, out["SigninToken"]
	}
	login := func(token string) int {
		q := url.Values{"Action": {"Login"}, "LoginUrl": {"https://idp.example.com/"}, "Destination": {"https://home.console.aliyun.com/"}, "SigninToken": {token}}
		res, err := client.Get(hs.URL + "/federation?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	cases := []struct {
		name       string
		ak, sk, tk string
		want       int
	}{
		{"issued", ak, sk, tok, 200},
		{"wrong secret", ak, sk + "x", tok, 401},
		{"wrong token", ak, sk, "CAIS" + tok[4:len(tok)-2], 401},
		{"unknown key", "STS.unknown", sk, tok, 401},
		{"missing", ak, "", tok, 400},
	}
	for _, c := range cases {
		if got, _ := signin(c.ak, c.sk, c.tk); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
	_, token := signin(ak, sk, tok)
	if got := login(token); got != http.StatusFound {
		t.Fatalf("login %d", got)
	}
	if got := login(token); got != http.StatusUnauthorized {
		t.Fatalf("second login %d", got)
	}
	_, token = signin(ak, sk, tok)
	now = now.Add(emulator.SigninTokenTTL)
	if got := login(token); got != http.StatusUnauthorized {
		t.Fatalf("login after 30 s: %d", got)
	}
	// STS still answers on the same handler.
	res, err := http.PostForm(hs.URL+"/", form(e.response(testidp.Options{}), roleRO, provider))
	if err != nil {
		t.Fatal(err)
	}
	if a := readAnswer(t, res); a.status != 200 || a.str("Credentials", "AccessKeyId") == "" {
		t.Fatalf("STS behind the combined handler: %d", a.status)
	}
	// Credentials past their expiry are refused.
	e.srv.SetClock(func() time.Time { return now.Add(2 * time.Hour) })
	if e.srv.Issued(ak, sk, tok) {
		t.Fatal("expired credentials accepted")
	}
}
