package textsafe

import (
	"context"
	"fmt"
	"log/slog"
	"unicode/utf8"
)

// Cap returns s cut to at most n bytes (on a rune boundary) with "…(N
// bytes)" appended when it was longer: for logging and repeating
// caller-supplied ids and values without letting a caller fill a log.
func Cap(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s…(%d bytes)", s[:cut], len(s))
}

// LogValueCap is how much of one string value LogHandler keeps.
const LogValueCap = 256

// LogHandler wraps h so that every string attribute value (and the
// message) is escaped and capped at LogValueCap bytes: log lines then stay
// one line each and small whatever a caller (an extension id, a message
// id, an Issuer) supplied.
func LogHandler(h slog.Handler) slog.Handler { return capHandler{h} }

type capHandler struct{ h slog.Handler }

func (c capHandler) Enabled(ctx context.Context, l slog.Level) bool { return c.h.Enabled(ctx, l) }

func (c capHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, Cap(Escape(r.Message), LogValueCap), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(capAttr(a))
		return true
	})
	return c.h.Handle(ctx, out)
}

func (c capHandler) WithAttrs(as []slog.Attr) slog.Handler {
	capped := make([]slog.Attr, len(as))
	for i, a := range as {
		capped[i] = capAttr(a)
	}
	return capHandler{c.h.WithAttrs(capped)}
}

func (c capHandler) WithGroup(name string) slog.Handler { return capHandler{c.h.WithGroup(name)} }

func capAttr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, Cap(Escape(v.String()), LogValueCap))
	case slog.KindGroup:
		g := v.Group()
		out := make([]any, len(g))
		for i, x := range g {
			out[i] = capAttr(x)
		}
		return slog.Group(a.Key, out...)
	case slog.KindAny:
		if err, ok := v.Any().(error); ok {
			return slog.String(a.Key, Cap(Escape(err.Error()), 4*LogValueCap))
		}
		if s, ok := v.Any().(fmt.Stringer); ok {
			return slog.String(a.Key, Cap(Escape(s.String()), LogValueCap))
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}
