// Package testidp is a test SAML 2.0 identity provider. It makes signed SAML
// Responses for Alibaba Cloud role-based SSO, in the styles of the identity
// providers people actually use (Okta, Entra ID, AD FS, Keycloak, Google
// Workspace, OneLogin), with real XML signatures (goxmldsig, RSA-SHA256,
// exclusive c14n, enveloped). Tests and the STS emulator demo use it so that
// decoding and verification meet real signatures and real variety instead of
// hand-typed XML.
package testidp

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/beevik/etree"
)

// IdP is a test identity provider: a signing key, its self-signed
// certificate and an entity ID (Issuer).
type IdP struct {
	// Issuer is the IdP's entity ID, written into every Issuer element.
	Issuer string

	key     *rsa.PrivateKey
	cert    *x509.Certificate
	certDER []byte
}

// New makes an IdP with a fresh RSA-2048 key and a self-signed certificate
// valid from an hour ago for ten years.
func New(issuer string) (*IdP, error) {
	if issuer == "" {
		return nil, errors.New("testidp: issuer is empty")
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("testidp: generate key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return nil, fmt.Errorf("testidp: serial number: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "ramsso test IdP", Organization: []string{"ramsso"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("testidp: create certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("testidp: parse certificate: %w", err)
	}
	return &IdP{Issuer: issuer, key: key, cert: cert, certDER: der}, nil
}

// Load makes an IdP from a PEM private key (PKCS#1 "RSA PRIVATE KEY" or
// PKCS#8 "PRIVATE KEY") and a PEM certificate whose public key matches it.
func Load(keyPEM, certPEM []byte, issuer string) (*IdP, error) {
	if issuer == "" {
		return nil, errors.New("testidp: issuer is empty")
	}
	kb, _ := pem.Decode(keyPEM)
	if kb == nil {
		return nil, errors.New("testidp: private key: no PEM block found")
	}
	var key *rsa.PrivateKey
	switch kb.Type {
	case "RSA PRIVATE KEY":
		k, err := x509.ParsePKCS1PrivateKey(kb.Bytes)
		if err != nil {
			return nil, fmt.Errorf("testidp: private key: %w", err)
		}
		key = k
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
		if err != nil {
			return nil, fmt.Errorf("testidp: private key: %w", err)
		}
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("testidp: private key: %T is not an RSA key", k)
		}
		key = rk
	default:
		return nil, fmt.Errorf("testidp: private key: unexpected PEM block %q", kb.Type)
	}
	cb, _ := pem.Decode(certPEM)
	if cb == nil || cb.Type != "CERTIFICATE" {
		return nil, errors.New("testidp: certificate: no CERTIFICATE PEM block found")
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, fmt.Errorf("testidp: certificate: %w", err)
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok || !pub.Equal(&key.PublicKey) {
		return nil, errors.New("testidp: certificate does not match the private key")
	}
	return &IdP{Issuer: issuer, key: key, cert: cert, certDER: cb.Bytes}, nil
}

// CertPEM returns the signing certificate in PEM form.
func (p *IdP) CertPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.certDER})
}

// KeyPEM returns the private key in PKCS#1 PEM form. It is a test key: keep
// it out of anything that matters.
func (p *IdP) KeyPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(p.key)})
}

// Certificate returns the parsed signing certificate.
func (p *IdP) Certificate() *x509.Certificate { return p.cert }

// Metadata returns SAML 2.0 IdP metadata (an EntityDescriptor with the
// signing certificate), the document a user uploads to RAM when creating
// the SAML provider.
func (p *IdP) Metadata() []byte {
	doc := etree.NewDocument()
	doc.CreateProcInst("xml", `version="1.0" encoding="UTF-8"`)
	ed := doc.CreateElement("md:EntityDescriptor")
	ed.CreateAttr("xmlns:md", nsMetadata)
	ed.CreateAttr("xmlns:ds", nsDSig)
	ed.CreateAttr("entityID", p.Issuer)
	idp := ed.CreateElement("md:IDPSSODescriptor")
	idp.CreateAttr("WantAuthnRequestsSigned", "false")
	idp.CreateAttr("protocolSupportEnumeration", nsProtocol)
	kd := idp.CreateElement("md:KeyDescriptor")
	kd.CreateAttr("use", "signing")
	kd.CreateElement("ds:KeyInfo").CreateElement("ds:X509Data").CreateElement("ds:X509Certificate").
		SetText(base64.StdEncoding.EncodeToString(p.certDER))
	idp.CreateElement("md:NameIDFormat").SetText(NameIDEmail)
	idp.CreateElement("md:NameIDFormat").SetText(NameIDPersistent)
	for _, b := range []string{"HTTP-POST", "HTTP-Redirect"} {
		sso := idp.CreateElement("md:SingleSignOnService")
		sso.CreateAttr("Binding", "urn:oasis:names:tc:SAML:2.0:bindings:"+b)
		sso.CreateAttr("Location", p.Issuer+"/sso")
	}
	doc.Indent(2)
	var buf bytes.Buffer
	if _, err := doc.WriteTo(&buf); err != nil {
		// Writing to a bytes.Buffer cannot fail.
		panic(err)
	}
	return buf.Bytes()
}

// RoleValue is the Role attribute value Alibaba Cloud expects:
// `acs:ram::<account>:role/<role>,acs:ram::<account>:saml-provider/<provider>`.
func RoleValue(account, role, provider string) string {
	return "acs:ram::" + account + ":role/" + role + ",acs:ram::" + account + ":saml-provider/" + provider
}
