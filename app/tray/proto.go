package tray

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/ramsso/ramsso/internal/capture"
)

// The window protocol: the resident tray starts the window process
// (ramsso-tray-ui) with two inherited pipes, writes Requests on its stdin
// and reads Events from its stdout, one JSON object per line. Requests
// carry role lists, issuers and settings, never a secret (no assertion,
// no keys). The window process exits when its stdin closes: the resident
// closes it when no window has been open for the grace period, and the
// kernel closes it when the resident dies.

// Request types (resident → window process).
const (
	ReqAsk      = "ask"      // show the picker for Ask (replaces any question shown)
	ReqHide     = "hide"     // no question waits: hide the picker
	ReqQueued   = "queued"   // Queued more questions wait behind Seq
	ReqSettings = "settings" // show the settings window with Settings
	ReqSessions = "sessions" // show the sessions window (no tray host) with Sessions
)

// Event types (window process → resident).
const (
	EvReady    = "ready"  // the window process runs
	EvShown    = "shown"  // a window is on screen (Focused: it has the input focus)
	EvAnswer   = "answer" // the picker answered question Seq (Answer or Error)
	EvSaved    = "saved"  // the settings were saved (the resident reloads them)
	EvClosed   = "closed" // Window was closed
	EvAction   = "action" // the sessions window asks for a menu action
	EvLog      = "log"    // a line for the tray's log (never secrets)
	ErrCancel  = "cancelled"
	ErrExpired = "expired"
)

// Question is a role question for the picker.
type Question struct {
	Req capture.AskRequest `json:"req"`
	// Aliases are the settings' account aliases.
	Aliases map[string]string `json:"aliases,omitempty"`
	// DefaultDuration is the settings' default session duration.
	DefaultDuration time.Duration `json:"defaultDuration"`
	// MaxDuration is what STS allowed each role before.
	MaxDuration map[string]time.Duration `json:"maxDuration,omitempty"`
	// Queued is how many more questions wait.
	Queued int `json:"queued"`
}

// SettingsQuestion opens the settings window.
type SettingsQuestion struct {
	Form SettingsForm `json:"form"`
	// TrayExe is the resident tray's executable, for the login item.
	TrayExe string `json:"trayExe"`
	// Home is written into the login item when RAMSSO_HOME was set.
	Home string `json:"home,omitempty"`
}

// Request is one message to the window process.
type Request struct {
	Type     string            `json:"type"`
	Seq      int               `json:"seq,omitempty"`
	Ask      *Question         `json:"ask,omitempty"`
	Queued   int               `json:"queued,omitempty"`
	Settings *SettingsQuestion `json:"settings,omitempty"`
	Sessions *MenuModel        `json:"sessions,omitempty"`
}

// Event is one message from the window process.
type Event struct {
	Type    string          `json:"type"`
	Seq     int             `json:"seq,omitempty"`
	Window  string          `json:"window,omitempty"` // "picker", "settings", "sessions"
	Focused bool            `json:"focused,omitempty"`
	Answer  *capture.Answer `json:"answer,omitempty"`
	// Error is ErrCancel, ErrExpired or a message.
	Error  string `json:"error,omitempty"`
	Action Action `json:"action,omitzero"`
	Text   string `json:"text,omitempty"`
}

// Conn writes and reads protocol lines; writes are safe from several
// goroutines.
type Conn struct {
	mu  sync.Mutex
	w   io.Writer
	enc *json.Encoder
	sc  *bufio.Scanner
}

// NewConn speaks the protocol over r and w.
func NewConn(r io.Reader, w io.Writer) *Conn {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 4<<20)
	return &Conn{w: w, enc: json.NewEncoder(w), sc: sc}
}

// Send writes one message (a Request or an Event).
func (c *Conn) Send(v any) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.enc.Encode(v); err != nil {
		return fmt.Errorf("window protocol: %w", err)
	}
	return nil
}

// Read decodes the next line into v; io.EOF when the peer is gone.
func (c *Conn) Read(v any) error {
	if !c.sc.Scan() {
		if err := c.sc.Err(); err != nil {
			return fmt.Errorf("window protocol: %w", err)
		}
		return io.EOF
	}
	if err := json.Unmarshal(c.sc.Bytes(), v); err != nil {
		return fmt.Errorf("window protocol: bad line: %w", err)
	}
	return nil
}
