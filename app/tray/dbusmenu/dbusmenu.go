// Package dbusmenu reads the menu a StatusNotifierItem exports over
// com.canonical.dbusmenu (what a tray host such as KDE's or GNOME's
// AppIndicator extension draws) back into a tray.MenuModel, and clicks its
// items: the tests and the screenshots see exactly what a desktop sees.
package dbusmenu

import (
	"context"
	"fmt"

	"github.com/godbus/dbus/v5"

	"github.com/ramsso/ramsso/app/tray"
)

// Path is where fyne.io/systray exports the menu.
const Path = "/StatusNotifierItem/menu"

// Item is a menu entry as exported, with its D-Bus id.
type Item struct {
	ID       int32
	Label    string
	Enabled  bool
	Sep      bool
	Children []Item
}

// Read fetches the whole layout from the bus name dest.
func Read(ctx context.Context, conn *dbus.Conn, dest string) ([]Item, error) {
	var rev uint32
	var root struct {
		ID       int32
		Props    map[string]dbus.Variant
		Children []dbus.Variant
	}
	call := conn.Object(dest, Path).CallWithContext(ctx, "com.canonical.dbusmenu.GetLayout", 0, int32(0), int32(-1), []string{})
	if call.Err != nil {
		return nil, fmt.Errorf("GetLayout: %w", call.Err)
	}
	if err := call.Store(&rev, &root); err != nil {
		return nil, fmt.Errorf("GetLayout reply: %w", err)
	}
	return children(root.Children)
}

func children(vs []dbus.Variant) ([]Item, error) {
	var out []Item
	for _, v := range vs {
		f, ok := v.Value().([]any)
		if !ok || len(f) != 3 {
			return nil, fmt.Errorf("unexpected menu node %v", v.Signature())
		}
		id, _ := f[0].(int32)
		props, _ := f[1].(map[string]dbus.Variant)
		kids, _ := f[2].([]dbus.Variant)
		it := Item{ID: id, Enabled: true}
		if p, ok := props["label"]; ok {
			it.Label, _ = p.Value().(string)
		}
		if p, ok := props["enabled"]; ok {
			it.Enabled, _ = p.Value().(bool)
		}
		if p, ok := props["visible"]; ok {
			if vis, _ := p.Value().(bool); !vis {
				continue
			}
		}
		if p, ok := props["type"]; ok {
			it.Sep = p.Value() == "separator"
		}
		var err error
		if it.Children, err = children(kids); err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, nil
}

// Model turns the exported items into a menu model (labels, enabled
// state, separators and submenus; no actions).
func Model(items []Item) tray.MenuModel {
	return tray.MenuModel{Items: model(items)}
}

func model(items []Item) []tray.MenuItem {
	var out []tray.MenuItem
	for _, it := range items {
		if it.Sep {
			out = append(out, tray.MenuItem{Separator: true})
			continue
		}
		out = append(out, tray.MenuItem{Label: it.Label, Disabled: !it.Enabled, Children: model(it.Children)})
	}
	return out
}

// Find returns the first item labelled label, depth first.
func Find(items []Item, label string) (Item, bool) {
	for _, it := range items {
		if it.Label == label {
			return it, true
		}
		if c, ok := Find(it.Children, label); ok {
			return c, true
		}
	}
	return Item{}, false
}

// Click sends the "clicked" event for item id, as a tray host does.
func Click(ctx context.Context, conn *dbus.Conn, dest string, id int32) error {
	call := conn.Object(dest, Path).CallWithContext(ctx, "com.canonical.dbusmenu.Event", 0, id, "clicked", dbus.MakeVariant(""), uint32(0))
	if call.Err != nil {
		return fmt.Errorf("clicking menu item %d: %w", id, call.Err)
	}
	return nil
}
