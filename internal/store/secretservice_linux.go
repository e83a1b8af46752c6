//go:build linux

package store

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/godbus/dbus/v5"
)

// secretServiceName is the Secret Service's well-known D-Bus name.
const secretServiceName = "org.freedesktop.secrets"

// secretServiceUp asks the session bus (not the keyring) whether
// org.freedesktop.secrets has an owner or can be activated. It is bounded
// and never unlocks or prompts.
func secretServiceUp(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	conn, err := dbus.ConnectSessionBus(dbus.WithContext(ctx))
	if err != nil {
		return errors.New("no D-Bus session bus, so no Secret Service")
	}
	defer conn.Close()
	bus := conn.BusObject()
	var owned bool
	if err := bus.CallWithContext(ctx, "org.freedesktop.DBus.NameHasOwner", 0, secretServiceName).Store(&owned); err == nil && owned {
		return nil
	}
	var names []string
	if err := bus.CallWithContext(ctx, "org.freedesktop.DBus.ListActivatableNames", 0).Store(&names); err == nil && slices.Contains(names, secretServiceName) {
		return nil
	}
	return errors.New("no Secret Service (org.freedesktop.secrets) runs or can be started on the session bus")
}
