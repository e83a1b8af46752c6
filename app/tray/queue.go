package tray

import (
	"context"
	"sync"

	"github.com/ramsso/ramsso/internal/capture"
)

// Ask is one queued role question.
type Ask struct {
	Req  capture.AskRequest
	done chan askResult
	once sync.Once
}

type askResult struct {
	ans capture.Answer
	err error
}

// Queue holds role questions so the picker shows one at a time, in order.
// OnChange is called (without the lock) whenever the current question
// changes, including to nil when the queue empties.
type Queue struct {
	OnChange func(cur *Ask)
	// OnLen, when set, is called (without the lock) whenever a question
	// joins the queue, so the picker can say how many more wait.
	OnLen func(n int)

	mu      sync.Mutex
	pending []*Ask
}

// Ask queues req and blocks until it is answered (Resolve), or ctx ends
// (the question leaves the queue and the picker moves on).
func (q *Queue) Ask(ctx context.Context, req capture.AskRequest) (capture.Answer, error) {
	a := &Ask{Req: req, done: make(chan askResult, 1)}
	q.mu.Lock()
	q.pending = append(q.pending, a)
	first := len(q.pending) == 1
	n := len(q.pending)
	q.mu.Unlock()
	if first {
		q.changed()
	} else if q.OnLen != nil {
		q.OnLen(n)
	}
	select {
	case r := <-a.done:
		return r.ans, r.err
	case <-ctx.Done():
		q.Resolve(a, capture.Answer{}, ctx.Err())
		return capture.Answer{}, ctx.Err()
	}
}

// Current is the question the picker shows, or nil.
func (q *Queue) Current() *Ask {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.pending) == 0 {
		return nil
	}
	return q.pending[0]
}

// Len is the number of questions waiting, the current one included.
func (q *Queue) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.pending)
}

// Resolve answers a (with an answer, capture.ErrCancelled or
// ErrTimeout) and drops it from the queue. Answering twice is a
// no-op.
func (q *Queue) Resolve(a *Ask, ans capture.Answer, err error) {
	a.once.Do(func() { a.done <- askResult{ans, err} })
	q.mu.Lock()
	wasCurrent := len(q.pending) > 0 && q.pending[0] == a
	for i, p := range q.pending {
		if p == a {
			q.pending = append(q.pending[:i], q.pending[i+1:]...)
			break
		}
	}
	q.mu.Unlock()
	if wasCurrent {
		q.changed()
	}
}

// CancelAll cancels every question (Quit).
func (q *Queue) CancelAll() {
	for {
		a := q.Current()
		if a == nil {
			return
		}
		q.Resolve(a, capture.Answer{}, capture.ErrCancelled)
	}
}

func (q *Queue) changed() {
	if q.OnChange != nil {
		q.OnChange(q.Current())
	}
}
