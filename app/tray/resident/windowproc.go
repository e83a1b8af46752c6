package resident

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"sync"
	"time"

	"github.com/ramsso/ramsso/app/tray"
	"github.com/ramsso/ramsso/internal/capture"
	"github.com/ramsso/ramsso/internal/config"
	"github.com/ramsso/ramsso/internal/localapi"
)

// DefaultGrace is how long the window process outlives its last window,
// so a picker asked for right after another comes up warm.
const DefaultGrace = 5 * time.Second

// WindowStarter returns the (unstarted) command of the window process;
// the resident gives it its stdin and stdout as the protocol's pipes.
type WindowStarter func() *exec.Cmd

// ErrNoWindows is returned when the tray has no window process to start.
var ErrNoWindows = errors.New("the tray has no window process (ramsso-tray-ui is not installed)")

// windowProc runs the window process on demand: it starts it for the
// first window, sends it the current question, and closes its stdin (it
// then exits) once no window has been open for the grace period.
type windowProc struct {
	r *Resident

	syncMu sync.Mutex // serializes syncAsk

	mu      sync.Mutex
	gen     int // bumped whenever the running process is let go
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	conn    *tray.Conn
	open    map[string]bool // windows on screen (the picker is "sentAsk != nil")
	seq     int
	asks    map[int]*tray.Ask
	sentAsk *tray.Ask
	sentSeq int
	sentQ   tray.Question
	idle    *time.Timer
}

func newWindowProc(r *Resident) *windowProc {
	return &windowProc{r: r, open: map[string]bool{}, asks: map[int]*tray.Ask{}}
}

// startLocked starts the window process if none runs; w.mu is held.
func (w *windowProc) startLocked() error {
	if w.conn != nil {
		return nil
	}
	if w.r.o.Windows == nil {
		return ErrNoWindows
	}
	cmd := w.r.o.Windows()
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return fmt.Errorf("the window process: %w", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return fmt.Errorf("the window process: %w", err)
	}
	cmd.Stderr = &lineLog{logf: w.r.o.Logf, prefix: "window process: "}
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting the window process %s: %w", cmd.Path, err)
	}
	w.gen++
	w.cmd, w.stdin, w.conn = cmd, stdin, tray.NewConn(stdout, stdin)
	go w.read(w.gen, w.conn, cmd)
	return nil
}

// send sends req, starting the window process when needed.
func (w *windowProc) send(req tray.Request) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.sendLocked(req)
}

func (w *windowProc) sendLocked(req tray.Request) error {
	if err := w.startLocked(); err != nil {
		return err
	}
	if w.idle != nil {
		w.idle.Stop()
	}
	switch req.Type {
	case tray.ReqSettings:
		w.open["settings"] = true
	case tray.ReqSessions:
		w.open["sessions"] = true
	}
	return w.conn.Send(req)
}

// question is the picker's question for a, with the resident's settings.
func (w *windowProc) question(a *tray.Ask) tray.Question {
	r := w.r
	r.mu.Lock()
	defer r.mu.Unlock()
	def, err := r.settings.Duration()
	if err != nil {
		def = config.DefaultDuration
	}
	maxes := make(map[string]time.Duration, len(r.maxDur))
	for k, v := range r.maxDur {
		maxes[k] = v
	}
	return tray.Question{Req: a.Req, Aliases: r.settings.AccountAliases, DefaultDuration: def, MaxDuration: maxes}
}

// syncAsk shows the queue's current question (or hides the picker): it
// reads the queue itself, so calls racing from several goroutines end
// showing what is current.
func (w *windowProc) syncAsk() {
	w.syncMu.Lock()
	defer w.syncMu.Unlock()
	cur := w.r.queue.Current()
	queued := max(w.r.queue.Len()-1, 0)
	var q tray.Question
	if cur != nil {
		q = w.question(cur)
		q.Queued = queued
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case cur != nil && cur == w.sentAsk:
		if w.conn != nil {
			_ = w.conn.Send(tray.Request{Type: tray.ReqQueued, Seq: w.sentSeq, Queued: queued})
		}
	case cur == nil:
		w.sentAsk, w.sentSeq = nil, 0
		if w.conn != nil {
			_ = w.conn.Send(tray.Request{Type: tray.ReqHide})
		}
		w.maybeIdleLocked()
	default:
		w.seq++
		w.asks[w.seq] = cur
		w.sentAsk, w.sentSeq, w.sentQ = cur, w.seq, q
		if err := w.sendLocked(tray.Request{Type: tray.ReqAsk, Seq: w.seq, Ask: &q}); err != nil {
			delete(w.asks, w.seq)
			w.sentAsk, w.sentSeq = nil, 0
			w.r.o.Logf("showing the picker: %v", err)
			go w.r.queue.Resolve(cur, capture.Answer{}, fmt.Errorf("the tray could not show its picker: %w", err))
		}
	}
}

// resendAsk brings the current question's picker forward again.
func (w *windowProc) resendAsk() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.sentAsk != nil {
		_ = w.sendLocked(tray.Request{Type: tray.ReqAsk, Seq: w.sentSeq, Ask: &w.sentQ})
	}
}

// read handles the events of process gen until it exits.
func (w *windowProc) read(gen int, conn *tray.Conn, cmd *exec.Cmd) {
	for {
		var e tray.Event
		if err := conn.Read(&e); err != nil {
			if !errors.Is(err, io.EOF) {
				w.r.o.Logf("window process: %v", err)
			}
			break
		}
		w.handle(gen, e)
	}
	err := cmd.Wait()
	w.died(gen, err)
}

func (w *windowProc) handle(gen int, e tray.Event) {
	r := w.r
	switch e.Type {
	case tray.EvShown:
		w.mu.Lock()
		cur := gen == w.gen && e.Window == "picker" && e.Seq == w.sentSeq && w.sentAsk != nil
		w.mu.Unlock()
		if cur && e.Focused {
			r.mu.Lock()
			r.shownAt = time.Now()
			r.mu.Unlock()
		}
	case tray.EvAnswer:
		w.mu.Lock()
		a := w.asks[e.Seq]
		delete(w.asks, e.Seq)
		if a != nil && a == w.sentAsk {
			w.sentAsk, w.sentSeq = nil, 0
		}
		w.mu.Unlock()
		if a == nil {
			return
		}
		switch {
		case e.Error == tray.ErrCancel:
			r.queue.Resolve(a, capture.Answer{}, capture.ErrCancelled)
		case e.Error == tray.ErrExpired:
			r.queue.Resolve(a, capture.Answer{}, localapi.ErrTimeout)
		case e.Error != "" || e.Answer == nil:
			r.queue.Resolve(a, capture.Answer{}, fmt.Errorf("the picker failed: %s", e.Error))
		default:
			r.queue.Resolve(a, *e.Answer, nil)
		}
	case tray.EvClosed:
		w.mu.Lock()
		if gen == w.gen {
			delete(w.open, e.Window)
			w.maybeIdleLocked()
		}
		w.mu.Unlock()
	case tray.EvSaved:
		r.reloadSettings()
		r.Refresh()
	case tray.EvAction:
		go r.Do(context.Background(), e.Action)
	case tray.EvLog:
		r.o.Logf("window process: %s", e.Text)
	}
}

// died forgets process gen; a question it showed fails with a clear
// error (the host then falls back to the extension's popup).
func (w *windowProc) died(gen int, err error) {
	w.mu.Lock()
	if gen != w.gen {
		w.mu.Unlock()
		return
	}
	cur := w.sentAsk
	w.gen++
	w.cmd, w.stdin, w.conn = nil, nil, nil
	w.open = map[string]bool{}
	w.sentAsk, w.sentSeq = nil, 0
	w.mu.Unlock()
	how := "it exited"
	if err != nil {
		how = err.Error()
	}
	w.r.o.Logf("the window process ended: %s", how)
	if cur != nil {
		w.r.queue.Resolve(cur, capture.Answer{}, fmt.Errorf("the picker window closed before a role was chosen (window process: %s); see tray.log", how))
	}
}

// maybeIdleLocked lets the process go after the grace period when no
// window is open; w.mu is held.
func (w *windowProc) maybeIdleLocked() {
	if w.conn == nil || w.sentAsk != nil || len(w.open) > 0 {
		return
	}
	if w.idle != nil {
		w.idle.Stop()
	}
	gen := w.gen
	w.idle = time.AfterFunc(w.r.o.Grace, func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		if gen != w.gen || w.sentAsk != nil || len(w.open) > 0 || w.stdin == nil {
			return
		}
		w.releaseLocked()
	})
}

// releaseLocked closes the process's stdin (it exits on EOF) and forgets
// it; its reader reaps it.
func (w *windowProc) releaseLocked() {
	_ = w.stdin.Close()
	w.gen++
	w.cmd, w.stdin, w.conn = nil, nil, nil
	w.open = map[string]bool{}
}

func (w *windowProc) stop() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stdin != nil {
		w.releaseLocked()
	}
}

func (w *windowProc) pid() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.cmd == nil || w.cmd.Process == nil {
		return 0
	}
	return w.cmd.Process.Pid
}

// lineLog writes a child's stderr to the log, line by line.
type lineLog struct {
	mu     sync.Mutex
	logf   func(string, ...any)
	prefix string
	buf    []byte
}

func (l *lineLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			break
		}
		l.logf("%s%s", l.prefix, l.buf[:i])
		l.buf = l.buf[i+1:]
	}
	if len(l.buf) > 4096 {
		l.logf("%s%s", l.prefix, l.buf)
		l.buf = nil
	}
	return len(p), nil
}
