package rolepicker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/ramsso/ramsso/internal/saml"
)

// ErrCancelled is returned by Run when the user pressed Esc or the input
// ended; ErrInterrupted when the user pressed Ctrl-C.
var (
	ErrCancelled   = errors.New("no role chosen: cancelled")
	ErrInterrupted = errors.New("no role chosen: interrupted")
)

// Run shows the picker on a terminal: in is read for keys (raw mode when
// it is a terminal, e.g. /dev/tty) and out gets the screen. It returns the
// picked role and the duration to ask for, or ErrCancelled/ErrInterrupted.
// Nothing is written anywhere but out, so stdout stays clean for callers
// that print credentials there.
func Run(ctx context.Context, in io.Reader, out io.Writer, opts Options) (saml.Role, time.Duration, error) {
	m := New(opts)
	progOpts := []tea.ProgramOption{
		tea.WithContext(ctx),
		tea.WithOutput(out),
		// Ctrl-C arrives as a key in raw mode; a SIGINT from elsewhere
		// (kill -INT) is still handled by the caller's signal handling.
		tea.WithoutSignalHandler(),
	}
	var p *tea.Program
	var ready sync.WaitGroup
	ready.Add(1)
	if f, ok := in.(*os.File); ok {
		progOpts = append(progOpts, tea.WithInput(f))
	} else {
		// Not a terminal (tests, pipes): Bubble Tea stops reading at end
		// of input but keeps waiting, so tell the model the input ended.
		progOpts = append(progOpts, tea.WithInput(&eofReader{r: in, onEOF: func() {
			ready.Wait()
			go p.Send(InputEnded{})
		}}))
	}
	p = tea.NewProgram(m, progOpts...)
	ready.Done()
	if _, err := p.Run(); err != nil {
		if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
			return saml.Role{}, 0, fmt.Errorf("role picker: %w", ctx.Err())
		}
		return saml.Role{}, 0, fmt.Errorf("role picker: %w", err)
	}
	switch m.Outcome() {
	case Picked:
		r, _ := m.Selected()
		return r, m.Duration(), nil
	case Interrupted:
		return saml.Role{}, 0, ErrInterrupted
	default:
		return saml.Role{}, 0, ErrCancelled
	}
}

// eofReader calls onEOF once when r reports the end of input.
type eofReader struct {
	r     io.Reader
	once  sync.Once
	onEOF func()
}

func (e *eofReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil {
		e.once.Do(e.onEOF)
	}
	return n, err
}
