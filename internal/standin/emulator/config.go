package emulator

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/beevik/etree"
)

// Config is the emulator's configuration: the SAML providers it knows (with
// their IdP certificates) and the RAM roles that may be assumed. It is
// usually loaded from a small JSON file with LoadConfig:
//
//	{
//	  "providers": [{"arn": "acs:ram::123:saml-provider/okta", "certificateFile": "idp.crt"}],
//	  "roles": [{"arn": "acs:ram::123:role/admin", "maxSessionDuration": 43200}],
//	  "rejectReplay": false,
//	  "clockSkew": "2m",
//	  "site": ""
//	}
type Config struct {
	Providers []Provider `json:"providers"`
	Roles     []Role     `json:"roles"`
	// RejectReplay refuses an assertion that was already exchanged
	// successfully (until it expires).
	RejectReplay bool `json:"rejectReplay,omitempty"`
	// ClockSkew is the allowance applied to NotBefore and NotOnOrAfter;
	// 0 means DefaultClockSkew. Written as a Go duration ("2m") or seconds.
	ClockSkew Duration `json:"clockSkew,omitempty"`
	// Site is the Alibaba Cloud site whose Audience and Recipient are
	// accepted: "china", "international", or "" for either.
	Site string `json:"site,omitempty"`
}

// DefaultClockSkew is the clock-skew allowance when Config.ClockSkew is 0.
const DefaultClockSkew = 2 * time.Minute

// Provider is a SAML identity provider registered in RAM. Exactly one of
// Certificate, CertificateFile and MetadataFile gives its signing
// certificate(s); relative file names are resolved against the directory
// of the configuration file.
type Provider struct {
	Arn string `json:"arn"`
	// Certificate is one or more PEM certificates (or one bare base64 DER
	// certificate, as IdP metadata carries it).
	Certificate     string `json:"certificate,omitempty"`
	CertificateFile string `json:"certificateFile,omitempty"`
	// MetadataFile is IdP metadata XML, what a user uploads to RAM: the
	// signing certificates and the entityID are read from it.
	MetadataFile string `json:"metadataFile,omitempty"`
	// EntityID, when set (or read from metadata), must equal the
	// assertion's Issuer.
	EntityID string `json:"entityId,omitempty"`

	// Certs are the parsed certificates; New fills them from the fields
	// above when empty. Programs may set them directly.
	Certs []*x509.Certificate `json:"-"`
}

// Role is a RAM role that may be assumed.
type Role struct {
	Arn string `json:"arn"`
	// MaxSessionDuration in seconds, 3600 to 43200; 0 means 3600 (RAM's
	// default).
	MaxSessionDuration int `json:"maxSessionDuration,omitempty"`
	// TrustedProviders, when not empty, lists the SAML provider ARNs the
	// role's trust policy allows; others get 403 NoPermission.
	TrustedProviders []string `json:"trustedProviders,omitempty"`
	// TrustedRoles, when not empty, lists the role ARNs whose sessions
	// (issued by this emulator) may AssumeRole this role; others get 403
	// NoPermission. Empty: any session the emulator issued may.
	TrustedRoles []string `json:"trustedRoles,omitempty"`
	// ExternalID, when set, must be sent as AssumeRole's ExternalId.
	ExternalID string `json:"externalId,omitempty"`
}

// Duration is a time.Duration that reads from JSON as a Go duration string
// ("2m", "90s") or a number of seconds.
type Duration time.Duration

// UnmarshalJSON implements json.Unmarshaler.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		v, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("duration %q: %w", s, err)
		}
		*d = Duration(v)
		return nil
	}
	var n float64
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("duration: want a string like \"2m\" or seconds, got %s", b)
	}
	*d = Duration(n * float64(time.Second))
	return nil
}

// MarshalJSON implements json.Marshaler.
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

var (
	providerArnRe = regexp.MustCompile(`^acs:ram::(\d+):saml-provider/([\w.@+=,-]+)$`)
	roleArnRe     = regexp.MustCompile(`^acs:ram::(\d+):role/([\w.@+=,-]+)$`)
)

// LoadConfig reads a JSON configuration file. Unknown fields are errors,
// relative certificate and metadata paths are made absolute against the
// file's directory, and the result is checked as New would check it.
func LoadConfig(path string) (Config, error) {
	var cfg Config
	b, err := os.ReadFile(path)
	if err != nil {
		return cfg, fmt.Errorf("emulator config: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return cfg, fmt.Errorf("emulator config %s: %w", path, err)
	}
	dir := filepath.Dir(path)
	abs := func(p string) string {
		if p == "" || filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(dir, p)
	}
	for i := range cfg.Providers {
		cfg.Providers[i].CertificateFile = abs(cfg.Providers[i].CertificateFile)
		cfg.Providers[i].MetadataFile = abs(cfg.Providers[i].MetadataFile)
	}
	if _, err := cfg.compile(); err != nil {
		return cfg, fmt.Errorf("emulator config %s: %w", path, err)
	}
	return cfg, nil
}

// compiled is a checked configuration, indexed for lookups.
type compiled struct {
	providers map[string]*Provider
	roles     map[string]Role
	skew      time.Duration
	site      string
}

func (cfg Config) compile() (*compiled, error) {
	c := &compiled{providers: map[string]*Provider{}, roles: map[string]Role{}, skew: time.Duration(cfg.ClockSkew), site: cfg.Site}
	if c.skew == 0 {
		c.skew = DefaultClockSkew
	}
	if c.skew < 0 || c.skew > time.Hour {
		return nil, fmt.Errorf("clockSkew %v: want between 0 and 1h", c.skew)
	}
	switch cfg.Site {
	case "", "china", "international":
	default:
		return nil, fmt.Errorf("site %q: want \"china\", \"international\" or \"\" (either)", cfg.Site)
	}
	if len(cfg.Providers) == 0 {
		return nil, errors.New("no providers: add at least one {\"arn\", \"certificateFile\"}")
	}
	for i := range cfg.Providers {
		p := cfg.Providers[i] // copy: keep the caller's Config untouched
		if !providerArnRe.MatchString(p.Arn) {
			return nil, fmt.Errorf("provider %d: arn %q is not acs:ram::<account>:saml-provider/<name>", i, p.Arn)
		}
		if _, dup := c.providers[p.Arn]; dup {
			return nil, fmt.Errorf("provider %s listed twice", p.Arn)
		}
		if err := p.load(); err != nil {
			return nil, fmt.Errorf("provider %s: %w", p.Arn, err)
		}
		c.providers[p.Arn] = &p
	}
	if len(cfg.Roles) == 0 {
		return nil, errors.New("no roles: add at least one {\"arn\": \"acs:ram::<account>:role/<name>\"}")
	}
	for i, r := range cfg.Roles {
		if !roleArnRe.MatchString(r.Arn) {
			return nil, fmt.Errorf("role %d: arn %q is not acs:ram::<account>:role/<name>", i, r.Arn)
		}
		if _, dup := c.roles[r.Arn]; dup {
			return nil, fmt.Errorf("role %s listed twice", r.Arn)
		}
		if r.MaxSessionDuration == 0 {
			r.MaxSessionDuration = 3600
		}
		if r.MaxSessionDuration < 3600 || r.MaxSessionDuration > 43200 {
			return nil, fmt.Errorf("role %s: maxSessionDuration %d: want 3600 to 43200 seconds", r.Arn, r.MaxSessionDuration)
		}
		c.roles[r.Arn] = r
	}
	return c, nil
}

// load fills p.Certs (and EntityID from metadata).
func (p *Provider) load() error {
	if len(p.Certs) > 0 {
		return nil
	}
	n := 0
	for _, s := range []string{p.Certificate, p.CertificateFile, p.MetadataFile} {
		if s != "" {
			n++
		}
	}
	if n != 1 {
		return errors.New("give exactly one of certificate, certificateFile, metadataFile")
	}
	var err error
	switch {
	case p.Certificate != "":
		p.Certs, err = parseCerts([]byte(p.Certificate))
	case p.CertificateFile != "":
		var b []byte
		if b, err = os.ReadFile(p.CertificateFile); err == nil {
			p.Certs, err = parseCerts(b)
		}
	default:
		var b []byte
		if b, err = os.ReadFile(p.MetadataFile); err == nil {
			var entityID string
			p.Certs, entityID, err = parseMetadata(b)
			if p.EntityID == "" {
				p.EntityID = entityID
			}
		}
	}
	if err != nil {
		return err
	}
	if len(p.Certs) == 0 {
		return errors.New("no certificate found")
	}
	return nil
}

// parseCerts reads PEM certificates, or a single bare base64 DER one.
func parseCerts(b []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	rest := b
	for {
		var blk *pem.Block
		blk, rest = pem.Decode(rest)
		if blk == nil {
			break
		}
		if blk.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("certificate: %w", err)
		}
		certs = append(certs, c)
	}
	if len(certs) > 0 {
		return certs, nil
	}
	der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(string(b)), ""))
	if err != nil {
		return nil, errors.New("certificate: neither PEM nor base64 DER")
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("certificate: %w", err)
	}
	return []*x509.Certificate{c}, nil
}

// parseMetadata reads the signing certificates and entityID of IdP
// metadata (an EntityDescriptor, or the first one in an EntitiesDescriptor).
func parseMetadata(b []byte) ([]*x509.Certificate, string, error) {
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(b); err != nil {
		return nil, "", fmt.Errorf("metadata: %w", err)
	}
	root := doc.Root()
	if root == nil {
		return nil, "", errors.New("metadata: empty document")
	}
	ed := root
	if !isEl(ed, nsMetadata, "EntityDescriptor") {
		eds := findAll(root, nsMetadata, "EntityDescriptor")
		if len(eds) == 0 {
			return nil, "", errors.New("metadata: no EntityDescriptor")
		}
		ed = eds[0]
	}
	var certs []*x509.Certificate
	for _, idp := range childrenNS(ed, nsMetadata, "IDPSSODescriptor") {
		for _, kd := range childrenNS(idp, nsMetadata, "KeyDescriptor") {
			if use := kd.SelectAttrValue("use", ""); use != "" && use != "signing" {
				continue
			}
			for _, x := range findAll(kd, nsDSig, "X509Certificate") {
				cs, err := parseCerts([]byte(x.Text()))
				if err != nil {
					return nil, "", fmt.Errorf("metadata: %w", err)
				}
				certs = append(certs, cs...)
			}
		}
	}
	if len(certs) == 0 {
		return nil, "", errors.New("metadata: no signing certificate in an IDPSSODescriptor")
	}
	return certs, ed.SelectAttrValue("entityID", ""), nil
}
