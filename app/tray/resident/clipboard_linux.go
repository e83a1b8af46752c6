package resident

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"sync"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
)

// X11Clipboard owns the CLIPBOARD selection itself, in pure Go (no cgo,
// no UI toolkit): on X11 the owner must stay alive to serve a paste, so
// the resident owns it for the clear timeout and then gives it up — the
// clear is the ownership ending, and something the person copied since
// (another owner) is never touched. A secret is offered with the
// x-kde-passwordManagerHint target ("secret"), which KDE's Klipper and
// clipboard managers that follow it read to keep it out of their history.
//
// Wayland: native Wayland clients see this selection through XWayland
// (Mutter and KWin bridge X11 selections); GNOME has no data-control
// protocol, so a pure Wayland owner is not possible there anyway.
type X11Clipboard struct {
	// Display is the X display; "": $DISPLAY.
	Display string

	mu   sync.Mutex
	stop func() // ends the current ownership
}

var quietXGB sync.Once

// ErrNoDisplay is returned when no X display is there to own a selection.
var ErrNoDisplay = errors.New("no X display (DISPLAY is unset): the tray cannot copy; use `ramsso env` in a terminal")

// DefaultClipboard is the platform's clipboard.
func DefaultClipboard() Clipboard { return &X11Clipboard{} }

type atoms struct {
	clipboard, targets, utf8, str, text, plain, plainUTF8, kdeHint, atom, timestamp xproto.Atom
}

func intern(c *xgb.Conn, names ...string) ([]xproto.Atom, error) {
	cookies := make([]xproto.InternAtomCookie, len(names))
	for i, n := range names {
		cookies[i] = xproto.InternAtom(c, false, uint16(len(n)), n)
	}
	out := make([]xproto.Atom, len(names))
	for i, ck := range cookies {
		r, err := ck.Reply()
		if err != nil {
			return nil, fmt.Errorf("interning %s: %w", names[i], err)
		}
		out[i] = r.Atom
	}
	return out, nil
}

// Copy implements Clipboard: it owns CLIPBOARD with text until clearAfter,
// until another client takes the selection, or until the next Copy.
func (x *X11Clipboard) Copy(ctx context.Context, text string, secret bool, clearAfter time.Duration) error {
	display := x.Display
	if display == "" {
		display = os.Getenv("DISPLAY")
	}
	if display == "" {
		return ErrNoDisplay
	}
	quietXGB.Do(func() { xgb.Logger = log.New(io.Discard, "", 0) }) // it logs missing ~/.Xauthority to stderr
	c, err := xgb.NewConnDisplay(display)
	if err != nil {
		return fmt.Errorf("connecting to X display %s: %w", display, err)
	}
	a, err := intern(c, "CLIPBOARD", "TARGETS", "UTF8_STRING", "STRING", "TEXT", "text/plain", "text/plain;charset=utf-8", "x-kde-passwordManagerHint", "ATOM", "TIMESTAMP")
	if err != nil {
		c.Close()
		return err
	}
	at := atoms{a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9]}
	win, err := xproto.NewWindowId(c)
	if err != nil {
		c.Close()
		return err
	}
	root := xproto.Setup(c).DefaultScreen(c).Root
	if err := xproto.CreateWindowChecked(c, 0, win, root, 0, 0, 1, 1, 0, xproto.WindowClassInputOnly, 0, 0, nil).Check(); err != nil {
		c.Close()
		return fmt.Errorf("creating the clipboard window: %w", err)
	}
	if err := xproto.SetSelectionOwnerChecked(c, win, at.clipboard, xproto.TimeCurrentTime).Check(); err != nil {
		c.Close()
		return fmt.Errorf("taking the clipboard: %w", err)
	}
	if r, err := xproto.GetSelectionOwner(c, at.clipboard).Reply(); err != nil || r.Owner != win {
		c.Close()
		return errors.New("another program kept the clipboard")
	}

	x.mu.Lock()
	if x.stop != nil {
		x.stop()
	}
	done := make(chan struct{})
	var once sync.Once
	stop := func() { once.Do(func() { close(done); c.Close() }) }
	x.stop = stop
	x.mu.Unlock()

	timer := time.AfterFunc(clearAfter, func() {
		// Give the selection up only while it is still ours.
		if r, err := xproto.GetSelectionOwner(c, at.clipboard).Reply(); err == nil && r.Owner == win {
			_ = xproto.SetSelectionOwnerChecked(c, xproto.WindowNone, at.clipboard, xproto.TimeCurrentTime).Check()
		}
		stop()
	})
	go func() {
		defer timer.Stop()
		defer stop()
		for {
			ev, xerr := c.WaitForEvent()
			if ev == nil && xerr == nil {
				return // the connection closed
			}
			select {
			case <-done:
				return
			default:
			}
			switch e := ev.(type) {
			case xproto.SelectionRequestEvent:
				serve(c, at, e, text, secret)
			case xproto.SelectionClearEvent:
				return // someone else copied: theirs is left alone
			}
		}
	}()
	return nil
}

// serve answers one paste request (ICCCM 2.2): TARGETS lists what is
// offered, the text targets get the UTF-8 text, the KDE hint "secret".
func serve(c *xgb.Conn, at atoms, e xproto.SelectionRequestEvent, text string, secret bool) {
	prop := e.Property
	if prop == xproto.AtomNone { // an obsolete client: use the target
		prop = e.Target
	}
	ok := true
	switch e.Target {
	case at.targets:
		list := []xproto.Atom{at.targets, at.timestamp, at.utf8, at.str, at.text, at.plain, at.plainUTF8}
		if secret {
			list = append(list, at.kdeHint)
		}
		buf := make([]byte, 4*len(list))
		for i, t := range list {
			xgb.Put32(buf[4*i:], uint32(t))
		}
		xproto.ChangeProperty(c, xproto.PropModeReplace, e.Requestor, prop, at.atom, 32, uint32(len(list)), buf)
	case at.utf8, at.str, at.text, at.plain, at.plainUTF8:
		typ := e.Target
		if typ == at.text {
			typ = at.utf8
		}
		xproto.ChangeProperty(c, xproto.PropModeReplace, e.Requestor, prop, typ, 8, uint32(len(text)), []byte(text))
	case at.kdeHint:
		if secret {
			xproto.ChangeProperty(c, xproto.PropModeReplace, e.Requestor, prop, at.utf8, 8, 6, []byte("secret"))
		} else {
			ok = false
		}
	default:
		ok = false
	}
	if !ok {
		prop = xproto.AtomNone
	}
	ev := xproto.SelectionNotifyEvent{Time: e.Time, Requestor: e.Requestor, Selection: e.Selection, Target: e.Target, Property: prop}
	xproto.SendEvent(c, false, e.Requestor, xproto.EventMaskNoEvent, string(ev.Bytes()))
}
