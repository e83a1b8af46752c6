package saml

import (
	"errors"
	"time"
)

// TimeFormat is how Summary renders times: RFC 3339 in UTC, whole seconds.
const TimeFormat = "2006-01-02T15:04:05Z"

// Expired says whether the assertion can no longer be used at now: its
// NotOnOrAfter is known and now is not before it.
func (r *Response) Expired(now time.Time) bool {
	return !r.NotOnOrAfter.IsZero() && !now.Before(r.NotOnOrAfter)
}

// Summary is what `ramsso decode --json` prints; its JSON encoding is the
// contract in DESIGN.md. It holds no secret (never the assertion itself).
type Summary struct {
	Issuer              string   `json:"issuer"`
	Subject             string   `json:"subject"`
	SubjectFormat       string   `json:"subjectFormat"`
	Destination         string   `json:"destination"`
	Recipient           string   `json:"recipient"`
	Audiences           []string `json:"audiences"`
	Site                string   `json:"site"`
	NotBefore           string   `json:"notBefore"`
	NotOnOrAfter        string   `json:"notOnOrAfter"`
	SessionNotOnOrAfter string   `json:"sessionNotOnOrAfter"`
	Expired             bool     `json:"expired"`
	SessionName         string   `json:"sessionName"`
	SessionDuration     int      `json:"sessionDuration"`
	Signed              Signed   `json:"signed"`
	Roles               []Role   `json:"roles"`
}

// Summary returns r's summary as of now. Audiences and Roles are never
// nil, so they encode as [] rather than null.
func (r *Response) Summary(now time.Time) Summary {
	s := Summary{
		Issuer:              r.Issuer,
		Subject:             r.Subject,
		SubjectFormat:       r.SubjectFormat,
		Destination:         r.Destination,
		Recipient:           r.Recipient,
		Audiences:           append([]string{}, r.Audiences...),
		Site:                r.Site,
		NotBefore:           FormatTime(r.NotBefore),
		NotOnOrAfter:        FormatTime(r.NotOnOrAfter),
		SessionNotOnOrAfter: FormatTime(r.SessionNotOnOrAfter),
		Expired:             r.Expired(now),
		SessionName:         r.SessionName,
		SessionDuration:     r.SessionDuration,
		Signed:              r.Signed,
		Roles:               append([]Role{}, r.Roles...),
	}
	return s
}

// FormatTime renders t as TimeFormat in UTC, or "" for the zero time.
func FormatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(TimeFormat)
}

// ErrorJSON is the `{"error":{"code","message"}}` object `ramsso decode
// --json` prints on failure.
type ErrorJSON struct {
	Error ErrorBody `json:"error"`
}

// ErrorBody is the inside of ErrorJSON.
type ErrorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// CodeUnknown is the code NewErrorJSON gives an error that is not an *Error.
const CodeUnknown = "error"

// NewErrorJSON wraps err for JSON output: the code and message of the
// *Error in err's chain, or CodeUnknown and err's text.
func NewErrorJSON(err error) ErrorJSON {
	var e *Error
	if errors.As(err, &e) {
		return ErrorJSON{Error: ErrorBody{Code: e.Code, Message: e.Message}}
	}
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	return ErrorJSON{Error: ErrorBody{Code: CodeUnknown, Message: msg}}
}
