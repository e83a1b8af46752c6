//go:build ignore

// gen draws ramsso's desktop icons (an orange rounded square with a white
// key, like the extension's) as PNGs in this directory:
//
//	go run ./build/icons/gen.go -out build/icons
package main

import (
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"log"
	"math"
	"os"
	"path/filepath"
)

var (
	orange = color.NRGBA{0xFF, 0x6A, 0x00, 0xFF}
	white  = color.NRGBA{0xFF, 0xFF, 0xFF, 0xFF}
)

// shape says what covers the point (x, y) of a unit square.
func shape(x, y float64) (color.NRGBA, bool) {
	// Rounded square.
	const m, r = 0.03, 0.19
	cx, cy := math.Max(m+r-x, math.Max(0, x-(1-m-r))), math.Max(m+r-y, math.Max(0, y-(1-m-r)))
	if x < m || y < m || x > 1-m || y > 1-m || cx*cx+cy*cy > r*r {
		return color.NRGBA{}, false
	}
	// Key: a ring, a shaft and two teeth.
	dx, dy := x-0.33, y-0.5
	d := math.Hypot(dx, dy)
	switch {
	case d <= 0.17 && d >= 0.08:
		return white, true
	case x >= 0.46 && x <= 0.84 && y >= 0.455 && y <= 0.545:
		return white, true
	case x >= 0.64 && x <= 0.71 && y >= 0.5 && y <= 0.65:
		return white, true
	case x >= 0.76 && x <= 0.83 && y >= 0.5 && y <= 0.61:
		return white, true
	}
	return orange, true
}

func draw(size int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	const ss = 4 // supersampling per axis
	for py := 0; py < size; py++ {
		for px := 0; px < size; px++ {
			var r, g, b, a float64
			for sy := 0; sy < ss; sy++ {
				for sx := 0; sx < ss; sx++ {
					x := (float64(px) + (float64(sx)+0.5)/ss) / float64(size)
					y := (float64(py) + (float64(sy)+0.5)/ss) / float64(size)
					if c, ok := shape(x, y); ok {
						r += float64(c.R)
						g += float64(c.G)
						b += float64(c.B)
						a++
					}
				}
			}
			if a == 0 {
				continue
			}
			img.SetNRGBA(px, py, color.NRGBA{uint8(r / a), uint8(g / a), uint8(b / a), uint8(255 * a / ss / ss)})
		}
	}
	return img
}

func main() {
	out := flag.String("out", ".", "output directory")
	flag.Parse()
	for _, s := range []int{16, 32, 48, 64, 128, 256, 512} {
		f, err := os.Create(filepath.Join(*out, fmt.Sprintf("ramsso-%d.png", s)))
		if err != nil {
			log.Fatal(err)
		}
		if err := png.Encode(f, draw(s)); err != nil {
			log.Fatal(err)
		}
		if err := f.Close(); err != nil {
			log.Fatal(err)
		}
	}
}
