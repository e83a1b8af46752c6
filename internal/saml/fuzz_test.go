package saml

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// knownCodes are the codes Decode may return.
var knownCodes = map[string]bool{
	CodeInvalidEncoding:    true,
	CodeInvalidXML:         true,
	CodeNotSAMLResponse:    true,
	CodeIDPError:           true,
	CodeEncryptedAssertion: true,
	CodeNoRoles:            true,
	CodeTooLarge:           true,
	CodeMultipleAssertions: true,
}

// FuzzDecode checks Decode never panics, fails only with a known *Error
// code, and that what it accepts is consistent. The checked-in corpus is
// in testdata/fuzz/FuzzDecode; the fixtures are added in every encoding.
func FuzzDecode(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.xml"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no fixtures: %v", err)
	}
	for _, name := range files {
		doc, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		b64 := base64.StdEncoding.EncodeToString(doc)
		f.Add(doc)
		f.Add([]byte(b64))
		f.Add([]byte("SAMLResponse=" + url.QueryEscape(b64)))
		f.Add([]byte("SAMLResponse=" + b64))
	}
	f.Add([]byte(response(success, assertion(roleAttr(goodPair)))))
	f.Add([]byte(response(success, assertion(roleAttr("acs:ram::1:role/<!--c-->a<![CDATA[,]]>acs:ram::1:saml-provider/p")))))

	f.Fuzz(func(t *testing.T, input []byte) {
		r, err := Decode(input)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error is %T, not *Error: %v", err, err)
			}
			if !knownCodes[e.Code] {
				t.Fatalf("unknown code %q: %v", e.Code, err)
			}
			if e.Message == "" || strings.ContainsAny(e.Message, "\r\n") {
				t.Fatalf("message is empty or not one line: %q", e.Message)
			}
			return
		}
		if len(r.Roles) == 0 {
			t.Fatal("success without roles")
		}
		if len(r.Base64) == 0 || len(r.Base64) > MaxAssertionChars {
			t.Fatalf("Base64 length %d", len(r.Base64))
		}
		if _, err := base64.StdEncoding.DecodeString(r.Base64); err != nil {
			t.Fatalf("Base64 is not standard base64: %v", err)
		}
		seen := map[string]bool{}
		for _, role := range r.Roles {
			if role.ProviderArn == "" || role.RoleName == "" || role.AccountID == "" || role.ProviderName == "" {
				t.Fatalf("incomplete role %+v", role)
			}
			if seen[role.TargetRole()] {
				t.Fatalf("duplicate role %+v", role)
			}
			seen[role.TargetRole()] = true
			again, err := ParseRole(role.TargetRole())
			if err != nil || again != role {
				t.Fatalf("role %+v does not round-trip: %+v, %v", role, again, err)
			}
		}
		if _, err := json.Marshal(r.Summary(time.Now())); err != nil {
			t.Fatalf("summary does not marshal: %v", err)
		}
	})
}
