package e2e

// A small WebDriver BiDi client: just the commands the Firefox tests use,
// over github.com/coder/websocket. Firefox speaks BiDi itself when started
// with --remote-debugging-port, so no geckodriver is needed; the wire
// format is the W3C WebDriver BiDi spec's (command {id, method, params};
// reply {type: "success"|"error", id, result|error+message}; event
// {type: "event", method, params}).
//
// Why this instead of puppeteer-core: the rig (STS emulator, test IdP,
// sign-in stand-in, store checks) is Go, so a Go client keeps one test
// process and one `go test` command; a Node driver would need the rig
// exposed to another process, and the dozen commands used here fit in
// this file over a websocket library with no dependencies of its own.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/coder/websocket"
)

// bidi is one BiDi connection with a session.
type bidi struct {
	conn *websocket.Conn

	mu      sync.Mutex
	next    int
	waiting map[int]chan bidiReply
	err     error // set once the read loop ends
	done    chan struct{}
}

type bidiReply struct {
	Type    string          `json:"type"`
	ID      *int            `json:"id"`
	Result  json.RawMessage `json:"result"`
	Error   string          `json:"error"`
	Message string          `json:"message"`
	Method  string          `json:"method"`
}

// dialBiDi connects to Firefox's BiDi endpoint (ws://HOST:PORT) and
// starts a session that accepts the stand-in's self-signed certificate.
func dialBiDi(ctx context.Context, wsURL string) (*bidi, error) {
	conn, _, err := websocket.Dial(ctx, wsURL+"/session", nil)
	if err != nil {
		return nil, fmt.Errorf("connecting to Firefox's WebDriver BiDi at %s: %w", wsURL, err)
	}
	conn.SetReadLimit(64 << 20) // screenshots
	b := &bidi{conn: conn, waiting: map[int]chan bidiReply{}, done: make(chan struct{})}
	go b.readLoop()
	caps := map[string]any{"capabilities": map[string]any{"alwaysMatch": map[string]any{"acceptInsecureCerts": true}}}
	if err := b.call(ctx, "session.new", caps, nil); err != nil {
		b.close()
		return nil, err
	}
	return b, nil
}

func (b *bidi) readLoop() {
	var err error
	for {
		var data []byte
		_, data, err = b.conn.Read(context.Background())
		if err != nil {
			break
		}
		var r bidiReply
		if json.Unmarshal(data, &r) != nil || r.ID == nil {
			continue // events are not used
		}
		b.mu.Lock()
		ch := b.waiting[*r.ID]
		delete(b.waiting, *r.ID)
		b.mu.Unlock()
		if ch != nil {
			ch <- r
		}
	}
	b.mu.Lock()
	b.err = err
	b.mu.Unlock()
	close(b.done)
}

// call sends method with params and decodes the result into out (nil:
// discard).
func (b *bidi) call(ctx context.Context, method string, params, out any) error {
	if params == nil {
		params = map[string]any{}
	}
	b.mu.Lock()
	if b.err != nil {
		err := b.err
		b.mu.Unlock()
		return fmt.Errorf("%s: the BiDi connection is closed: %w", method, err)
	}
	b.next++
	id := b.next
	ch := make(chan bidiReply, 1)
	b.waiting[id] = ch
	b.mu.Unlock()
	msg, err := json.Marshal(map[string]any{"id": id, "method": method, "params": params})
	if err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	if err := b.conn.Write(ctx, websocket.MessageText, msg); err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	select {
	case r := <-ch:
		if r.Type == "error" {
			return fmt.Errorf("%s: %s: %s", method, r.Error, r.Message)
		}
		if out != nil {
			if err := json.Unmarshal(r.Result, out); err != nil {
				return fmt.Errorf("%s: decoding the result: %w", method, err)
			}
		}
		return nil
	case <-b.done:
		return fmt.Errorf("%s: Firefox closed the BiDi connection", method)
	case <-ctx.Done():
		b.mu.Lock()
		delete(b.waiting, id)
		b.mu.Unlock()
		return fmt.Errorf("%s: %w", method, ctx.Err())
	}
}

func (b *bidi) close() {
	_ = b.conn.Close(websocket.StatusNormalClosure, "")
}

// installExtension installs the unpacked add-on in dir as a temporary
// add-on and returns its id.
func (b *bidi) installExtension(ctx context.Context, dir string) (string, error) {
	var r struct {
		Extension string `json:"extension"`
	}
	err := b.call(ctx, "webExtension.install", map[string]any{"extensionData": map[string]any{"type": "path", "path": dir}}, &r)
	return r.Extension, err
}

// newTab opens a tab and returns its browsing context id.
func (b *bidi) newTab(ctx context.Context) (string, error) {
	var r struct {
		Context string `json:"context"`
	}
	err := b.call(ctx, "browsingContext.create", map[string]any{"type": "tab"}, &r)
	return r.Context, err
}

// navigate loads url in the tab and waits for the load event.
func (b *bidi) navigate(ctx context.Context, tab, url string) error {
	return b.call(ctx, "browsingContext.navigate", map[string]any{"context": tab, "url": url, "wait": "complete"}, nil)
}

// closeTab closes a tab.
func (b *bidi) closeTab(ctx context.Context, tab string) error {
	return b.call(ctx, "browsingContext.close", map[string]any{"context": tab}, nil)
}

// setViewport sizes the tab's viewport.
func (b *bidi) setViewport(ctx context.Context, tab string, width, height int) error {
	return b.call(ctx, "browsingContext.setViewport", map[string]any{"context": tab, "viewport": map[string]int{"width": width, "height": height}}, nil)
}

// remoteValue is a BiDi script result.
type remoteValue struct {
	Type     string          `json:"type"`
	Value    json.RawMessage `json:"value"`
	SharedID string          `json:"sharedId"`
}

// evaluate runs expr in the tab (awaiting a promise) and returns its value.
func (b *bidi) evaluate(ctx context.Context, tab, expr string) (remoteValue, error) {
	var r struct {
		Type             string      `json:"type"`
		Result           remoteValue `json:"result"`
		ExceptionDetails *struct {
			Text string `json:"text"`
		} `json:"exceptionDetails"`
	}
	err := b.call(ctx, "script.evaluate", map[string]any{
		"expression": expr, "target": map[string]string{"context": tab}, "awaitPromise": true,
	}, &r)
	if err != nil {
		return remoteValue{}, err
	}
	if r.Type == "exception" {
		text := "(no details)"
		if r.ExceptionDetails != nil {
			text = r.ExceptionDetails.Text
		}
		return remoteValue{}, fmt.Errorf("evaluating %q: %s", expr, text)
	}
	return r.Result, nil
}

// evalString evaluates expr, which must yield a string (or null: "").
func (b *bidi) evalString(ctx context.Context, tab, expr string) (string, error) {
	v, err := b.evaluate(ctx, tab, expr)
	if err != nil || v.Type == "null" || v.Type == "undefined" {
		return "", err
	}
	var s string
	if err := json.Unmarshal(v.Value, &s); err != nil {
		return "", fmt.Errorf("evaluating %q: got a %s, want a string", expr, v.Type)
	}
	return s, nil
}

// click moves the mouse onto the element sel selects and clicks it, as a
// person would (input.performActions, not a scripted click()).
func (b *bidi) click(ctx context.Context, tab, sel string) error {
	q, _ := json.Marshal(sel)
	v, err := b.evaluate(ctx, tab, "document.querySelector("+string(q)+")")
	if err != nil {
		return err
	}
	if v.SharedID == "" {
		return fmt.Errorf("click: nothing matches %s", sel)
	}
	origin := map[string]any{"type": "element", "element": map[string]string{"sharedId": v.SharedID}}
	return b.call(ctx, "input.performActions", map[string]any{
		"context": tab,
		"actions": []any{map[string]any{
			"type": "pointer", "id": "mouse", "parameters": map[string]string{"pointerType": "mouse"},
			"actions": []any{
				map[string]any{"type": "pointerMove", "x": 0, "y": 0, "origin": origin},
				map[string]any{"type": "pointerDown", "button": 0},
				map[string]any{"type": "pointerUp", "button": 0},
			},
		}},
	}, nil)
}

// screenshot captures the tab's viewport as PNG.
func (b *bidi) screenshot(ctx context.Context, tab string) ([]byte, error) {
	var r struct {
		Data string `json:"data"`
	}
	if err := b.call(ctx, "browsingContext.captureScreenshot", map[string]any{"context": tab}, &r); err != nil {
		return nil, err
	}
	png, err := base64.StdEncoding.DecodeString(r.Data)
	if err != nil {
		return nil, fmt.Errorf("decoding the screenshot: %w", err)
	}
	if len(png) == 0 {
		return nil, errors.New("empty screenshot")
	}
	return png, nil
}
