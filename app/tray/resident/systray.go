package resident

import (
	"strings"
	"sync"

	"fyne.io/systray"

	"github.com/ramsso/ramsso/app/tray"
)

// SystrayMenu renders the menu model through fyne.io/systray (D-Bus
// StatusNotifierItem + com.canonical.dbusmenu on Linux, Win32 on
// Windows). Only use it inside systray.Run. When the menu's shape is
// unchanged (the 30 s rebuilds that only move times left) items are
// updated in place instead of rebuilt.
type SystrayMenu struct {
	// Do runs a clicked item's action (on its own goroutine).
	Do func(tray.Action)

	mu    sync.Mutex
	shape string
	items []*systray.MenuItem
	acts  []tray.Action
	stop  chan struct{}
	icon  tray.Icon
	tip   string
	drawn bool
}

func shapeOf(items []tray.MenuItem) string {
	var b strings.Builder
	for _, it := range items {
		if it.Separator {
			b.WriteByte('-')
			continue
		}
		b.WriteByte('i')
		if len(it.Children) > 0 {
			b.WriteByte('(')
			b.WriteString(shapeOf(it.Children))
			b.WriteByte(')')
		}
	}
	return b.String()
}

// flat lists the non-separator items in the order they are added.
func flat(items []tray.MenuItem, out []tray.MenuItem) []tray.MenuItem {
	for _, it := range items {
		if it.Separator {
			continue
		}
		out = append(out, it)
		out = flat(it.Children, out)
	}
	return out
}

// Render implements MenuRenderer.
func (s *SystrayMenu) Render(m tray.MenuModel) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.drawn || m.Icon != s.icon {
		systray.SetIcon(tray.IconPNG(m.Icon))
		s.icon = m.Icon
	}
	if !s.drawn || m.Tooltip != s.tip {
		systray.SetTooltip(m.Tooltip)
		s.tip = m.Tooltip
	}
	s.drawn = true
	fl := flat(m.Items, nil)
	if shape := shapeOf(m.Items); shape == s.shape && len(fl) == len(s.items) {
		for i, it := range fl {
			mi := s.items[i]
			mi.SetTitle(it.Label)
			if it.Disabled {
				mi.Disable()
			} else {
				mi.Enable()
			}
			s.acts[i] = it.Action
		}
		return
	} else {
		s.shape = shape
	}
	if s.stop != nil {
		close(s.stop)
	}
	s.stop = make(chan struct{})
	systray.ResetMenu()
	s.items, s.acts = nil, nil
	s.add(m.Items, nil)
}

func (s *SystrayMenu) add(items []tray.MenuItem, parent *systray.MenuItem) {
	for _, it := range items {
		if it.Separator {
			if parent == nil {
				systray.AddSeparator()
			} else {
				parent.AddSeparator()
			}
			continue
		}
		var mi *systray.MenuItem
		if parent == nil {
			mi = systray.AddMenuItem(it.Label, "")
		} else {
			mi = parent.AddSubMenuItem(it.Label, "")
		}
		if it.Disabled {
			mi.Disable()
		}
		i := len(s.items)
		s.items = append(s.items, mi)
		s.acts = append(s.acts, it.Action)
		if len(it.Children) == 0 {
			go s.watch(mi, i, s.stop)
		}
		s.add(it.Children, mi)
	}
}

func (s *SystrayMenu) watch(mi *systray.MenuItem, i int, stop chan struct{}) {
	for {
		select {
		case <-stop:
			return
		case <-mi.ClickedCh:
			s.mu.Lock()
			if stop != s.stop || i >= len(s.acts) {
				s.mu.Unlock()
				return
			}
			a := s.acts[i]
			s.mu.Unlock()
			if a.Kind != tray.ActNone && s.Do != nil {
				go s.Do(a)
			}
		}
	}
}
