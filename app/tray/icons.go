package tray

//go:generate go run ./internal/genicons icons

import (
	"embed"

	"fyne.io/fyne/v2"
)

//go:embed icons/*.png
var iconFS embed.FS

// IconResource is the tray icon for a state.
func IconResource(i Icon) fyne.Resource {
	name := "icons/" + i.String() + ".png"
	data, err := iconFS.ReadFile(name)
	if err != nil {
		panic("tray: missing embedded " + name) // the embed pattern guarantees it
	}
	return fyne.NewStaticResource("ramsso-"+i.String()+".png", data)
}
