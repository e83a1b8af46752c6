// Command genicons draws the tray's four state icons into app/tray/icons
// (run `go generate ./app/tray`): a key on a disc whose colour says the
// state — grey (no session), green (active), amber (expiring soon), red
// with a slash (expired).
package main

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
)

const size = 64

func main() {
	dir := "icons"
	if len(os.Args) > 1 {
		dir = os.Args[1]
	}
	icons := []struct {
		name  string
		disc  color.NRGBA
		slash bool
	}{
		{"none", color.NRGBA{0x8a, 0x8f, 0x98, 0xff}, false},
		{"active", color.NRGBA{0x1f, 0x9d, 0x55, 0xff}, false},
		{"expiring", color.NRGBA{0xe8, 0x9a, 0x10, 0xff}, false},
		{"expired", color.NRGBA{0xd0, 0x33, 0x33, 0xff}, true},
	}
	for _, ic := range icons {
		img := draw(ic.disc, ic.slash)
		path := filepath.Join(dir, ic.name+".png")
		f, err := os.Create(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, "genicons:", err)
			os.Exit(1)
		}
		if err := png.Encode(f, img); err != nil {
			fmt.Fprintln(os.Stderr, "genicons:", err)
			os.Exit(1)
		}
		if err := f.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "genicons:", err)
			os.Exit(1)
		}
	}
}

// draw paints one icon with 4×4 supersampling for smooth edges.
func draw(disc color.NRGBA, slash bool) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	white := color.NRGBA{0xff, 0xff, 0xff, 0xff}
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			var cover, key float64
			for sy := 0; sy < 4; sy++ {
				for sx := 0; sx < 4; sx++ {
					px := float64(x) + (float64(sx)+0.5)/4
					py := float64(y) + (float64(sy)+0.5)/4
					if inDisc(px, py) {
						cover++
						if inKey(px, py) || (slash && inSlash(px, py)) {
							key++
						}
					}
				}
			}
			if cover == 0 {
				continue
			}
			a := cover / 16
			k := key / cover
			c := color.NRGBA{
				R: mix(disc.R, white.R, k), G: mix(disc.G, white.G, k), B: mix(disc.B, white.B, k),
				A: uint8(math.Round(a * 255)),
			}
			img.SetNRGBA(x, y, c)
		}
	}
	return img
}

func mix(a, b uint8, t float64) uint8 { return uint8(math.Round(float64(a)*(1-t) + float64(b)*t)) }

func inDisc(x, y float64) bool { return math.Hypot(x-32, y-32) <= 31 }

// inKey is a key: a ring (bow) on the left, a shaft to the right, two teeth.
func inKey(x, y float64) bool {
	d := math.Hypot(x-22, y-32)
	if d <= 11 && d >= 5 {
		return true
	}
	if x >= 31 && x <= 52 && y >= 29 && y <= 35 {
		return true
	}
	if (x >= 42 && x <= 46 || x >= 48 && x <= 52) && y >= 35 && y <= 42 {
		return true
	}
	return false
}

// inSlash is a diagonal bar from top-right to bottom-left.
func inSlash(x, y float64) bool {
	return math.Abs((x-32)+(y-32))/math.Sqrt2 <= 3.5 && math.Hypot(x-32, y-32) <= 27
}
