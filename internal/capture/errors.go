package capture

import (
	"context"
	"errors"
	"strings"

	"github.com/ramsso/ramsso/internal/policy"
	"github.com/ramsso/ramsso/internal/saml"
	"github.com/ramsso/ramsso/internal/store"
	"github.com/ramsso/ramsso/internal/sts"
)

// Error codes of a failed flow (FlowError.Code), stable for the extension.
const (
	CodeAssertionExpired = "assertion_expired"
	CodeBadSAML          = "bad_saml"
	CodeSTSError         = "sts_error"
	CodeStoreError       = "store_error"
	CodeTimeout          = "timeout"
	CodeCancelled        = "cancelled"
	CodeNoChoice         = "no_choice"
	CodeBadRole          = "bad_role"
	CodeInternal         = "internal_error"
	CodeForbidden        = "forbidden_by_policy"
)

// FlowError is a flow's ending in a form the extension and the tray can
// show: a stable Code, a one-line Message, a Remedy, and Detail (the SAML
// or STS error code) when there is one. It never holds a secret.
type FlowError struct {
	Code    string
	Detail  string
	Message string
	Remedy  string
	Err     error
}

func (e *FlowError) Error() string { return e.Message }
func (e *FlowError) Unwrap() error { return e.Err }

// storeError marks an error from the session store.
type storeError struct{ err error }

func (e *storeError) Error() string { return e.err.Error() }
func (e *storeError) Unwrap() error { return e.err }

// taggedStore marks the store's errors so Classify can tell them apart.
type taggedStore struct{ store.Store }

func (t taggedStore) Put(ctx context.Context, s store.Session) error {
	if err := t.Store.Put(ctx, s); err != nil {
		return &storeError{err}
	}
	return nil
}

func (t taggedStore) List(ctx context.Context) ([]store.Session, error) {
	l, err := t.Store.List(ctx)
	if err != nil {
		return nil, &storeError{err}
	}
	return l, nil
}

// Classify maps any error from a capture flow (or around it) to a
// *FlowError with a stable code and a remedy.
func Classify(err error) *FlowError {
	if err == nil {
		return nil
	}
	var fe *FlowError
	if errors.As(err, &fe) {
		return fe
	}
	var se *saml.Error
	if errors.As(err, &se) {
		return &FlowError{Code: CodeBadSAML, Detail: se.Code, Message: se.Message,
			Remedy: "check the IdP's Alibaba Cloud application (ramsso decode shows what it sends)", Err: err}
	}
	var ae *sts.APIError
	if errors.As(err, &ae) {
		code := CodeSTSError
		remedy := ae.Remedy()
		if strings.HasPrefix(ae.Code, "AuthenticationFail.SAMLAssertion.Expired") {
			code = CodeAssertionExpired
			if remedy == "" {
				remedy = "log in again through your IdP"
			}
		}
		if remedy == "" {
			remedy = "see the STS error code in Alibaba Cloud's documentation"
		}
		return &FlowError{Code: code, Detail: ae.Code, Message: err.Error(), Remedy: remedy, Err: err}
	}
	var ne *sts.NetworkError
	if errors.As(err, &ne) {
		return &FlowError{Code: CodeSTSError, Detail: "network", Message: err.Error(),
			Remedy: "check the network; set \"sts.endpoint\" or \"proxy\" in settings.json (the host does not see your shell's environment)", Err: err}
	}
	if errors.Is(err, policy.ErrForbidden) {
		return &FlowError{Code: CodeForbidden, Message: err.Error(),
			Remedy: "ask your IT team (ramsso doctor shows the admin policy)", Err: err}
	}
	var ste *storeError
	if errors.As(err, &ste) {
		return &FlowError{Code: CodeStoreError, Message: err.Error(),
			Remedy: "run `ramsso doctor` to check the keyring and RAMSSO_HOME", Err: err}
	}
	switch {
	case errors.Is(err, ErrCancelled), errors.Is(err, context.Canceled):
		return &FlowError{Code: CodeCancelled, Message: "the capture was cancelled", Remedy: "log in again to capture credentials", Err: err}
	case errors.Is(err, context.DeadlineExceeded):
		return &FlowError{Code: CodeTimeout, Message: "the capture took too long: " + err.Error(), Remedy: "log in again; run `ramsso doctor` if it keeps happening", Err: err}
	}
	return &FlowError{Code: CodeInternal, Message: err.Error(), Remedy: "run `ramsso doctor`; see host.log under RAMSSO_HOME", Err: err}
}
