// Package emulator is a local, faithful stand-in for Alibaba Cloud STS
// AssumeRoleWithSAML (RPC style, Version 2015-04-01, anonymous). It verifies
// the SAML Response's XML signature against the configured SAML provider's
// certificates with goxmldsig, checks audience, recipient, validity window
// and the role/provider pair as STS does, and answers with the documented
// JSON (or XML) shapes, error codes and HTTP statuses. Tests inject faults
// (5xx, throttling, dropped connections) to exercise retries.
//
// It never logs the assertion or the credentials it mints.
package emulator

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ramsso/ramsso/internal/saml"
)

// Version is the STS API version the emulator implements.
const Version = "2015-04-01"

// HostID is the HostId of every error answer, as real STS sends it.
const HostID = "sts.aliyuncs.com"

// Fault is a canned answer to the next request, queued by InjectFaults.
type Fault struct {
	// Status is the HTTP status to answer with. -1 drops the connection
	// without answering (a network failure).
	Status int
	// Code and Message fill the error JSON; Code defaults to InternalError
	// (ServiceUnavailable for 503).
	Code, Message string
	// Delay waits before answering (or dropping), bounded by the request's
	// context, to exercise client timeouts.
	Delay time.Duration
}

// Server emulates STS AssumeRoleWithSAML. It is an http.Handler and is safe
// for concurrent use.
type Server struct {
	cfg          *compiled
	rejectReplay bool
	requests     atomic.Int64

	mu     sync.Mutex
	clock  func() time.Time
	faults []Fault
	used   map[string]time.Time // issuer + "\x00" + assertion ID -> expiry
	log    io.Writer
	issued sync.Map             // AccessKeyId -> issuedCredentials (see federation_issued.go)
	nonces map[string]time.Time // AccessKeyId + "\x00" + SignatureNonce -> first seen
}

// New checks cfg (reading certificate and metadata files) and returns a
// Server.
func New(cfg Config) (*Server, error) {
	c, err := cfg.compile()
	if err != nil {
		return nil, fmt.Errorf("emulator: %w", err)
	}
	return &Server{cfg: c, rejectReplay: cfg.RejectReplay, clock: time.Now, used: map[string]time.Time{}}, nil
}

// SetClock replaces the clock used for validity windows, certificate
// validity and credential expiry (tests).
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if now == nil {
		now = time.Now
	}
	s.clock = now
}

// SetLog makes the server write one line per request to w (no secrets:
// never the assertion, never credentials). nil turns logging off.
func (s *Server) SetLog(w io.Writer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = w
}

// InjectFaults queues faults; each answers one upcoming request, in order,
// before the normal handling resumes.
func (s *Server) InjectFaults(f ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, f...)
}

// Requests is the number of requests received so far, faults included.
func (s *Server) Requests() int { return int(s.requests.Load()) }

func (s *Server) now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.clock()
}

func (s *Server) nextFault() (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.faults) == 0 {
		return Fault{}, false
	}
	f := s.faults[0]
	s.faults = s.faults[1:]
	return f, true
}

// apiError is an STS error answer.
type apiError struct {
	Status        int
	Code, Message string
}

func missing(name string) *apiError {
	return &apiError{Status: 400, Code: "MissingParameter." + name, Message: "Parameter " + name + " is required."}
}

// ServeHTTP answers one STS request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	if f, ok := s.nextFault(); ok {
		s.serveFault(w, r, f)
		return
	}
	reqID := newRequestID()
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	var (
		res    responder
		id     *issuedCredentials
		apiErr *apiError
		form   url.Values
	)
	if err := r.ParseForm(); err != nil {
		apiErr = &apiError{Status: 400, Code: "InvalidParameter", Message: "The request body could not be read as a form."}
		form = r.URL.Query()
	} else {
		form = r.Form
		res, id, apiErr = s.handle(r.Method, form)
	}
	xmlOut := strings.EqualFold(form.Get("Format"), "XML")
	if apiErr != nil {
		s.logf("%s %s %s role=%s -> %d %s", r.Method, form.Get("Action"), reqID, form.Get("RoleArn"), apiErr.Status, apiErr.Code)
		writeError(w, reqID, apiErr, xmlOut)
		return
	}
	res.setRequestID(reqID)
	if id != nil {
		s.issued.Store(id.accessKeyID, *id)
		s.logf("%s %s %s role=%s -> 200 session=%s expires=%s", r.Method, form.Get("Action"), reqID, form.Get("RoleArn"),
			id.assumedRoleID, id.expires.Format(time.RFC3339))
	} else {
		s.logf("%s %s %s -> 200", r.Method, form.Get("Action"), reqID)
	}
	writeBody(w, reqID, http.StatusOK, res, xmlOut)
}

func (s *Server) serveFault(w http.ResponseWriter, r *http.Request, f Fault) {
	if f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	if f.Status < 0 {
		s.logf("%s fault: connection dropped", r.Method)
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler) // aborts the response without answering
	}
	code := f.Code
	if code == "" {
		code = "InternalError"
		if f.Status == http.StatusServiceUnavailable {
			code = "ServiceUnavailable"
		}
	}
	msg := f.Message
	if msg == "" {
		msg = "The request processing has failed due to some unknown error, exception or failure."
	}
	status := f.Status
	if status == 0 {
		status = http.StatusInternalServerError
	}
	reqID := newRequestID()
	s.logf("%s fault %s -> %d %s", r.Method, reqID, status, code)
	writeError(w, reqID, &apiError{Status: status, Code: code, Message: msg}, strings.EqualFold(r.URL.Query().Get("Format"), "XML"))
}

func (s *Server) logf(format string, a ...any) {
	s.mu.Lock()
	w := s.log
	s.mu.Unlock()
	if w == nil {
		return
	}
	fmt.Fprintf(w, time.Now().UTC().Format(time.RFC3339)+" "+format+"\n", a...)
}

// responder is a success answer that gets the request id.
type responder interface{ setRequestID(string) }

// handle checks the request in the order STS does: API, then (for the
// signed APIs) the signature, then parameters, then entities, then the
// assertion. It returns the answer and, when credentials were minted,
// what to remember of them.
func (s *Server) handle(method string, f url.Values) (responder, *issuedCredentials, *apiError) {
	if method != http.MethodGet && method != http.MethodPost {
		return nil, nil, &apiError{Status: 405, Code: "UnsupportedHTTPMethod", Message: "Specified HTTP method " + method + " is not supported."}
	}
	action := f.Get("Action")
	switch action {
	case "":
		return nil, nil, mandatory("Action")
	case "AssumeRoleWithSAML", "AssumeRole", "GetCallerIdentity":
	default:
		return nil, nil, &apiError{Status: 404, Code: "InvalidAction.NotFound", Message: "Specified api is not found, please check your url and method."}
	}
	switch v := f.Get("Version"); v {
	case "":
		return nil, nil, mandatory("Version")
	case Version:
	default:
		return nil, nil, &apiError{Status: 400, Code: "InvalidVersion", Message: "Specified parameter Version is not valid."}
	}
	if action == "AssumeRoleWithSAML" {
		res, apiErr := s.handleSAML(f)
		if apiErr != nil {
			return nil, nil, apiErr
		}
		return res, identityOf(f.Get("RoleArn"), res.AssumedRoleUser, res.Credentials), nil
	}
	c, apiErr := s.authenticate(method, f)
	if apiErr != nil {
		return nil, nil, apiErr
	}
	if action == "GetCallerIdentity" {
		return s.getCallerIdentity(c), nil, nil
	}
	res, id, apiErr := s.assumeRole(c, f)
	if apiErr != nil {
		return nil, nil, apiErr
	}
	return res, id, nil
}

// handleSAML checks an AssumeRoleWithSAML request (anonymous: the
// assertion is the authentication).
func (s *Server) handleSAML(f url.Values) (*success, *apiError) {
	b64, providerArn, roleArn := f.Get("SAMLAssertion"), f.Get("SAMLProviderArn"), f.Get("RoleArn")
	switch {
	case b64 == "":
		return nil, missing("SAMLAssertion")
	case providerArn == "":
		return nil, missing("SAMLProviderArn")
	case roleArn == "":
		return nil, missing("RoleArn")
	}
	if len(b64) < 4 || len(b64) > maxAssertionChars {
		// Not in Alibaba's error table: the API reference only says the
		// value must be 4 to 100,000 characters. A parameter-validation
		// error is what the gateway answers for such limits.
		return nil, &apiError{Status: 400, Code: "InvalidParameter.SAMLAssertion",
			Message: fmt.Sprintf("The SAMLAssertion must be 4 to %d characters long, got %d.", maxAssertionChars, len(b64))}
	}
	dur, ok := durationParam(f.Get("DurationSeconds"))
	if !ok {
		return nil, &apiError{Status: 400, Code: "InvalidParameter.DurationSeconds", Message: "The DurationSeconds is invalid. It must be 900 to 43200 and at most the role's MaxSessionDuration."}
	}
	if pol := f.Get("Policy"); pol != "" {
		if len(pol) > 2048 {
			return nil, &apiError{Status: 400, Code: "InvalidParameter.PolicySize", Message: "The max size of policy string is 2048."}
		}
		if !jsonValid(pol) {
			return nil, &apiError{Status: 400, Code: "InvalidParameter.PolicyGrammar", Message: "Invalid Policy."}
		}
	}
	prov, ok := s.cfg.providers[providerArn]
	if !ok {
		return nil, &apiError{Status: 404, Code: "EntityNotExist.SAMLProvider", Message: "Can not find SAML provider."}
	}
	role, ok := s.cfg.roles[roleArn]
	if !ok {
		return nil, &apiError{Status: 404, Code: "EntityNotExist.RoleArn", Message: "The specified Role does not exists."}
	}
	if dur > role.MaxSessionDuration {
		return nil, &apiError{Status: 400, Code: "InvalidParameter.DurationSeconds",
			Message: fmt.Sprintf("The DurationSeconds is invalid. It exceeds the role's MaxSessionDuration of %d seconds.", role.MaxSessionDuration)}
	}
	if len(role.TrustedProviders) > 0 && !contains(role.TrustedProviders, providerArn) {
		return nil, &apiError{Status: 403, Code: "NoPermission", Message: "You are not authorized to do this action. The role's trust policy does not allow this SAML provider."}
	}

	now := s.now()
	a, apiErr := verifyAssertion(b64, prov, s.cfg.site, now, s.cfg.skew)
	if apiErr != nil {
		return nil, apiErr
	}
	// The requested pair must be one the IdP granted in the Role attribute.
	// Alibaba's error table has no dedicated code for this; STS treats it as
	// an assertion that does not authorize the request, so the documented
	// AuthenticationFail.SAMLAssertion.Invalid (401) is used rather than
	// NoPermission (403), which is kept for the role's trust policy above.
	granted := false
	for _, p := range a.roles {
		if p[0] == roleArn && p[1] == providerArn {
			granted = true
			break
		}
	}
	if !granted {
		return nil, invalid("The Role attribute does not contain the requested role and SAML provider pair.")
	}
	if a.sessionNameCount != 1 || !saml.ValidRoleSessionName(a.sessionName) {
		return nil, &apiError{Status: 400, Code: "InvalidParameter.RoleSessionName",
			Message: "The RoleSessionName is invalid. The assertion needs exactly one " + attrRoleSessionName + " value of " + saml.RoleSessionNameRule + "."}
	}
	if s.rejectReplay && !s.markUsed(a, now) {
		return nil, invalid("The SAML Assertion has already been used.")
	}
	return newSuccess(a, roleArn, dur, now), nil
}

// markUsed records the assertion; false if it was already used and has not
// expired yet.
func (s *Server) markUsed(a *assertion, now time.Time) bool {
	key := a.issuer + "\x00" + a.id
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, exp := range s.used {
		if now.After(exp.Add(s.cfg.skew)) {
			delete(s.used, k)
		}
	}
	if _, seen := s.used[key]; seen {
		return false
	}
	s.used[key] = a.notOnOrAfter
	return true
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// success is the AssumeRoleWithSAML answer.
type success struct {
	XMLName           xml.Name          `json:"-" xml:"AssumeRoleWithSAMLResponse"`
	RequestID         string            `json:"RequestId" xml:"RequestId"`
	Credentials       credentials       `json:"Credentials" xml:"Credentials"`
	AssumedRoleUser   assumedRoleUser   `json:"AssumedRoleUser" xml:"AssumedRoleUser"`
	SAMLAssertionInfo samlAssertionInfo `json:"SAMLAssertionInfo" xml:"SAMLAssertionInfo"`
}

type credentials struct {
	AccessKeyID     string `json:"AccessKeyId" xml:"AccessKeyId"`
	AccessKeySecret string `json:"AccessKeySecret" xml:"AccessKeySecret"`
	SecurityToken   string `json:"SecurityToken" xml:"SecurityToken"`
	Expiration      string `json:"Expiration" xml:"Expiration"`
}

type assumedRoleUser struct {
	Arn           string `json:"Arn" xml:"Arn"`
	AssumedRoleID string `json:"AssumedRoleId" xml:"AssumedRoleId"`
}

type samlAssertionInfo struct {
	SubjectType string `json:"SubjectType" xml:"SubjectType"`
	Subject     string `json:"Subject" xml:"Subject"`
	Recipient   string `json:"Recipient" xml:"Recipient"`
	Issuer      string `json:"Issuer" xml:"Issuer"`
}

type errorBody struct {
	XMLName   xml.Name `json:"-" xml:"Error"`
	RequestID string   `json:"RequestId" xml:"RequestId"`
	HostID    string   `json:"HostId" xml:"HostId"`
	Code      string   `json:"Code" xml:"Code"`
	Message   string   `json:"Message" xml:"Message"`
	Recommend string   `json:"Recommend" xml:"Recommend"`
}

func (r *success) setRequestID(id string) { r.RequestID = id }

func jsonValid(s string) bool { return json.Valid([]byte(s)) }

// newCredentials mints a credential triple valid for dur seconds.
func newCredentials(now time.Time, dur int) credentials {
	return credentials{
		AccessKeyID:     "STS.NT" + randomAlnum(23),
		AccessKeySecret: randomAlnum(44),
		SecurityToken:   securityToken(),
		Expiration:      now.UTC().Add(time.Duration(dur) * time.Second).Format("2006-01-02T15:04:05Z"),
	}
}

func newSuccess(a *assertion, roleArn string, dur int, now time.Time) *success {
	m := roleArnRe.FindStringSubmatch(roleArn)
	account, roleName := m[1], m[2]
	return &success{
		Credentials: newCredentials(now, dur),
		AssumedRoleUser: assumedRoleUser{
			Arn:           "acs:ram::" + account + ":assumed-role/" + roleName + "/" + a.sessionName,
			AssumedRoleID: roleID(roleArn) + ":" + a.sessionName,
		},
		SAMLAssertionInfo: samlAssertionInfo{
			SubjectType: a.subjectType,
			Subject:     a.subject,
			Recipient:   a.recipient,
			Issuer:      a.issuer,
		},
	}
}

func writeError(w http.ResponseWriter, reqID string, e *apiError, xmlOut bool) {
	writeBody(w, reqID, e.Status, errorBody{
		RequestID: reqID,
		HostID:    HostID,
		Code:      e.Code,
		Message:   e.Message,
		Recommend: "https://api.aliyun.com/troubleshoot?q=" + url.QueryEscape(e.Code) + "&product=Sts",
	}, xmlOut)
}

func writeBody(w http.ResponseWriter, reqID string, status int, v any, xmlOut bool) {
	var (
		b   []byte
		err error
	)
	if xmlOut {
		w.Header().Set("Content-Type", "text/xml;charset=utf-8")
		b, err = xml.Marshal(v)
		b = append([]byte(xml.Header), b...)
	} else {
		w.Header().Set("Content-Type", "application/json;charset=utf-8")
		b, err = json.Marshal(v)
	}
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("x-acs-request-id", reqID)
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func randomAlnum(n int) string {
	b := make([]byte, n)
	max := big.NewInt(int64(len(alnum)))
	for i := range b {
		k, err := rand.Int(rand.Reader, max)
		if err != nil {
			panic(fmt.Sprintf("emulator: crypto/rand: %v", err))
		}
		b[i] = alnum[k.Int64()]
	}
	return string(b)
}

// securityToken looks like a real STS token: "CAIS" then about 1,100
// characters of base64, with the +, / and = that make it awkward to
// carry around.
func securityToken() string {
	b := make([]byte, 830)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("emulator: crypto/rand: %v", err))
	}
	return "CAIS" + base64.StdEncoding.EncodeToString(b)
}

// roleID is a stable, realistic numeric role ID derived from the ARN.
func roleID(roleArn string) string {
	h := sha256.Sum256([]byte(roleArn))
	n := binary.BigEndian.Uint64(h[:8]) % 1e17
	return fmt.Sprintf("3%017d", n)
}

func newRequestID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("emulator: crypto/rand: %v", err))
	}
	h := strings.ToUpper(hex.EncodeToString(b[:]))
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
