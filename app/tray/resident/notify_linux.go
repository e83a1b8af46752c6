package resident

import (
	"context"
	"fmt"

	"github.com/godbus/dbus/v5"
)

// DBusNotifier sends notifications through org.freedesktop.Notifications
// on the session bus (what notify-send does), without a UI toolkit.
type DBusNotifier struct {
	// AppName is the sending application's name ("ramsso").
	AppName string
}

// Notify implements Notifier.
func (n DBusNotifier) Notify(ctx context.Context, title, body string) error {
	conn, err := dbus.SessionBus()
	if err != nil {
		return fmt.Errorf("no session bus for notifications: %w", err)
	}
	obj := conn.Object("org.freedesktop.Notifications", "/org/freedesktop/Notifications")
	// Notify(app_name, replaces_id, app_icon, summary, body, actions, hints, expire_timeout)
	call := obj.CallWithContext(ctx, "org.freedesktop.Notifications.Notify", 0,
		n.AppName, uint32(0), "dialog-password", title, body, []string{},
		map[string]dbus.Variant{"urgency": dbus.MakeVariant(byte(1))}, int32(-1))
	if call.Err != nil {
		return fmt.Errorf("org.freedesktop.Notifications: %w", call.Err)
	}
	return nil
}

// DefaultNotifier is the platform's notifier.
func DefaultNotifier() Notifier { return DBusNotifier{AppName: "ramsso"} }
