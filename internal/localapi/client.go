package localapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/ramsso/ramsso/internal/capture"
	"github.com/ramsso/ramsso/internal/store"
)

// Client calls a running tray's local API. It implements capture.Asker.
type Client struct {
	home string
	http *http.Client
}

var _ capture.Asker = (*Client)(nil)

// Dial returns a client for the tray serving home. It does not connect
// until a call; use Ping or Running to see whether a tray answers.
func Dial(home string) *Client {
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			c, err := dial(ctx, home)
			if err != nil {
				return nil, fmt.Errorf("%w (%s): %w", ErrNotRunning, Address(home), err)
			}
			return c, nil
		},
		MaxIdleConns:      2,
		IdleConnTimeout:   30 * time.Second,
		DisableKeepAlives: false,
	}
	return &Client{home: home, http: &http.Client{Transport: tr}}
}

// Running reports whether a tray answers on home's local API within a
// second.
func Running(home string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	c := Dial(home)
	defer c.Close()
	_, err := c.Ping(ctx)
	return err == nil
}

// Close releases idle connections.
func (c *Client) Close() { c.http.CloseIdleConnections() }

// Ping returns the tray's status.
func (c *Client) Ping(ctx context.Context) (*Status, error) {
	var st Status
	if err := c.do(ctx, http.MethodGet, PathPing, nil, &st); err != nil {
		return nil, err
	}
	return &st, nil
}

// AskRole asks the tray's picker. It blocks until the person picks
// (Answer), cancels (capture.ErrCancelled), the tray gives up (ErrTimeout)
// or ctx ends (ctx's error; the tray then drops the question).
func (c *Client) AskRole(ctx context.Context, req capture.AskRequest) (capture.Answer, error) {
	var ans capture.Answer
	if err := c.do(ctx, http.MethodPost, PathAsk, req, &ans); err != nil {
		return capture.Answer{}, err
	}
	return ans, nil
}

// Sessions lists the sessions the tray shows (metadata only).
func (c *Client) Sessions(ctx context.Context) ([]store.Session, error) {
	var ss []store.Session
	if err := c.do(ctx, http.MethodGet, PathSessions, nil, &ss); err != nil {
		return nil, err
	}
	return ss, nil
}

// SessionChanged tells the tray to refresh its sessions.
func (c *Client) SessionChanged(ctx context.Context, ch Change) error {
	return c.do(ctx, http.MethodPost, PathSessionChanged, ch, nil)
}

// ReportCapture tells the tray how a capture ended. Include the assertion
// (r.SAMLResponse) while it is valid so the tray can offer "Pick role…".
func (c *Client) ReportCapture(ctx context.Context, r CaptureReport) error {
	return c.do(ctx, http.MethodPost, PathCapture, r, nil)
}

// LastCapture returns the tray's summary of the last capture, or nil when
// there was none.
func (c *Client) LastCapture(ctx context.Context) (*CaptureSummary, error) {
	var s CaptureSummary
	err := c.do(ctx, http.MethodGet, PathLastCapture, nil, &s)
	var ae *APIError
	if errors.As(err, &ae) && ae.Code == CodeNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &s, nil
}

// Show brings the tray's picker ("picker"), settings ("settings") or
// whatever fits ("") to the front.
func (c *Client) Show(ctx context.Context, what string) error {
	return c.do(ctx, http.MethodPost, PathShow, Show{What: what}, nil)
}

// APIError is an error answer from the tray.
type APIError struct {
	Status int
	ErrorInfo
}

// Error is one line: the tray's message, code and status.
func (e *APIError) Error() string {
	return fmt.Sprintf("ramsso tray: %s (%s, HTTP %d)", e.Message, e.Code, e.Status)
}

// Is maps the API's codes onto the errors callers test for.
func (e *APIError) Is(target error) bool {
	switch target {
	case capture.ErrCancelled:
		return e.Code == CodeCancelled
	case ErrTimeout:
		return e.Code == CodeTimeout
	}
	return false
}

func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("encoding %s: %w", path, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://ramsso-tray"+path, body)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("%s: %w", path, ctx.Err())
		}
		return fmt.Errorf("%s: %w", path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return fmt.Errorf("%s: reading the answer: %w", path, err)
	}
	if resp.StatusCode >= 300 {
		var ae apiError
		if json.Unmarshal(data, &ae) != nil || ae.Error.Code == "" {
			ae.Error = ErrorInfo{Code: CodeInternal, Message: http.StatusText(resp.StatusCode)}
		}
		return &APIError{Status: resp.StatusCode, ErrorInfo: ae.Error}
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s: decoding the answer: %w", path, err)
	}
	return nil
}
