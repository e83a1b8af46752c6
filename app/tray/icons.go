package tray

//go:generate go run ./internal/genicons icons

import (
	"embed"
)

//go:embed icons/*.png
var iconFS embed.FS

// IconPNG is the tray icon for a state, as PNG bytes (the one icon set both
// the resident tray and the window process use).
func IconPNG(i Icon) []byte {
	name := "icons/" + i.String() + ".png"
	data, err := iconFS.ReadFile(name)
	if err != nil {
		panic("tray: missing embedded " + name) // the embed pattern guarantees it
	}
	return data
}
