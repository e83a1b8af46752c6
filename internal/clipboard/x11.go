package clipboard

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
)

// SecretHint is the target KDE's Klipper (and password-manager-aware
// clipboard managers) read: a selection offering x-kde-passwordManagerHint
// with the value "secret" is not kept in the clipboard history.
const (
	SecretHintTarget = "x-kde-passwordManagerHint"
	SecretHintValue  = "secret"
)

// textTargets are the targets served with the text itself.
var textTargets = []string{"UTF8_STRING", "TEXT", "STRING", "text/plain;charset=utf-8", "text/plain"}

// ServeX11 owns the CLIPBOARD selection on display (DISPLAY's syntax; ""
// uses $DISPLAY) and serves text until another client takes the selection,
// or clearAfter passes — then, only if it still owns the selection, it
// gives it up, which empties the clipboard. ready is called exactly once:
// with nil when the selection is owned, or with the error that prevented it.
func ServeX11(ctx context.Context, display string, text []byte, secret bool, clearAfter time.Duration, ready func(error)) error {
	var conn *xgb.Conn
	var err error
	if display != "" {
		conn, err = xgb.NewConnDisplay(display)
	} else {
		conn, err = xgb.NewConn()
	}
	if err != nil {
		err = fmt.Errorf("connecting to the X display: %w", err)
		ready(err)
		return err
	}
	defer conn.Close()
	o, err := newX11Owner(conn, text, secret)
	if err == nil {
		err = o.own()
	}
	if err != nil {
		ready(err)
		return err
	}
	ready(nil)
	return o.serve(ctx, clearAfter)
}

type x11Owner struct {
	conn    *xgb.Conn
	win     xproto.Window
	atoms   map[string]xproto.Atom
	text    []byte
	secret  bool
	clip    xproto.Atom
	targets []xproto.Atom
}

func newX11Owner(conn *xgb.Conn, text []byte, secret bool) (*x11Owner, error) {
	o := &x11Owner{conn: conn, text: text, secret: secret, atoms: map[string]xproto.Atom{}}
	names := append([]string{"CLIPBOARD", "TARGETS", "ATOM", SecretHintTarget}, textTargets...)
	for _, n := range names {
		r, err := xproto.InternAtom(conn, false, uint16(len(n)), n).Reply()
		if err != nil {
			return nil, fmt.Errorf("x11 InternAtom %s: %w", n, err)
		}
		o.atoms[n] = r.Atom
	}
	o.clip = o.atoms["CLIPBOARD"]
	o.targets = []xproto.Atom{o.atoms["TARGETS"]}
	for _, t := range textTargets {
		o.targets = append(o.targets, o.atoms[t])
	}
	if secret {
		o.targets = append(o.targets, o.atoms[SecretHintTarget])
	}
	screen := xproto.Setup(conn).DefaultScreen(conn)
	win, err := xproto.NewWindowId(conn)
	if err != nil {
		return nil, fmt.Errorf("x11 window id: %w", err)
	}
	if err := xproto.CreateWindowChecked(conn, 0, win, screen.Root, 0, 0, 1, 1, 0,
		xproto.WindowClassInputOnly, 0, 0, nil).Check(); err != nil {
		return nil, fmt.Errorf("x11 CreateWindow: %w", err)
	}
	o.win = win
	return o, nil
}

// own takes the CLIPBOARD selection and checks the server agrees.
func (o *x11Owner) own() error {
	if err := xproto.SetSelectionOwnerChecked(o.conn, o.win, o.clip, xproto.TimeCurrentTime).Check(); err != nil {
		return fmt.Errorf("x11 SetSelectionOwner: %w", err)
	}
	if !o.owns() {
		return errors.New("the X server did not give ramsso the clipboard")
	}
	return nil
}

func (o *x11Owner) owns() bool {
	r, err := xproto.GetSelectionOwner(o.conn, o.clip).Reply()
	return err == nil && r.Owner == o.win
}

// serve answers selection requests until the selection is lost or the
// timeout clears it.
func (o *x11Owner) serve(ctx context.Context, clearAfter time.Duration) error {
	events := make(chan xgb.Event)
	errs := make(chan error, 1)
	go func() {
		for {
			ev, xerr := o.conn.WaitForEvent()
			if ev == nil && xerr == nil {
				errs <- errors.New("the X connection closed")
				return
			}
			if ev != nil {
				events <- ev
			}
		}
	}()
	timer := time.NewTimer(clearAfter)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			o.clear()
			return ctx.Err()
		case err := <-errs:
			return err
		case <-timer.C:
			o.clear()
			return nil
		case ev := <-events:
			switch e := ev.(type) {
			case xproto.SelectionRequestEvent:
				o.answer(e)
			case xproto.SelectionClearEvent:
				return nil // someone else copied: their text, not ours, is on the clipboard
			}
		}
	}
}

// clear empties the clipboard if ramsso still owns it.
func (o *x11Owner) clear() {
	if o.owns() {
		_ = xproto.SetSelectionOwnerChecked(o.conn, xproto.AtomNone, o.clip, xproto.TimeCurrentTime).Check()
	}
}

// answer serves one SelectionRequest (ICCCM §2.2): the data goes into the
// requestor's property, then a SelectionNotify says where (or None).
func (o *x11Owner) answer(e xproto.SelectionRequestEvent) {
	prop := e.Property
	if prop == xproto.AtomNone {
		prop = e.Target // obsolete clients
	}
	ok := e.Selection == o.clip
	if ok {
		ok = o.write(e.Requestor, prop, e.Target)
	}
	if !ok {
		prop = xproto.AtomNone
	}
	ev := xproto.SelectionNotifyEvent{Time: e.Time, Requestor: e.Requestor, Selection: e.Selection, Target: e.Target, Property: prop}
	xproto.SendEvent(o.conn, false, e.Requestor, 0, string(ev.Bytes()))
}

// write puts the value of target into the requestor's property.
func (o *x11Owner) write(win xproto.Window, prop, target xproto.Atom) bool {
	put := func(typ xproto.Atom, format byte, n int, data []byte) bool {
		return xproto.ChangePropertyChecked(o.conn, xproto.PropModeReplace, win, prop, typ, format, uint32(n), data).Check() == nil
	}
	switch {
	case target == o.atoms["TARGETS"]:
		data := make([]byte, 4*len(o.targets))
		for i, a := range o.targets {
			binary.LittleEndian.PutUint32(data[4*i:], uint32(a)) // xgb speaks little-endian
		}
		return put(o.atoms["ATOM"], 32, len(o.targets), data)
	case o.secret && target == o.atoms[SecretHintTarget]:
		return put(o.atoms["UTF8_STRING"], 8, len(SecretHintValue), []byte(SecretHintValue))
	case target == o.atoms["STRING"]:
		return put(o.atoms["STRING"], 8, len(o.text), o.text)
	}
	for _, t := range textTargets {
		if target == o.atoms[t] {
			typ := target
			if t == "TEXT" {
				typ = o.atoms["UTF8_STRING"]
			}
			return put(typ, 8, len(o.text), o.text)
		}
	}
	return false
}
