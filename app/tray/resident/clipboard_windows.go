package resident

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

var (
	user32                     = windows.NewLazySystemDLL("user32.dll")
	kernel32                   = windows.NewLazySystemDLL("kernel32.dll")
	procOpenClipboard          = user32.NewProc("OpenClipboard")
	procCloseClipboard         = user32.NewProc("CloseClipboard")
	procEmptyClipboard         = user32.NewProc("EmptyClipboard")
	procSetClipboardData       = user32.NewProc("SetClipboardData")
	procRegisterClipboardFmt   = user32.NewProc("RegisterClipboardFormatW")
	procGetClipboardSequenceNo = user32.NewProc("GetClipboardSequenceNumber")
	procGlobalAlloc            = kernel32.NewProc("GlobalAlloc")
	procGlobalLock             = kernel32.NewProc("GlobalLock")
	procGlobalUnlock           = kernel32.NewProc("GlobalUnlock")
	procGlobalFree             = kernel32.NewProc("GlobalFree")
	procMoveMemory             = kernel32.NewProc("RtlMoveMemory")
)

const (
	cfUnicodeText = 13
	gmemMoveable  = 0x0002
)

// WinClipboard copies with the Win32 clipboard (not owner-bound: the data
// stays after ramsso-tray exits). A secret also gets the registered
// formats Windows' clipboard history and cloud sync honour —
// ExcludeClipboardContentFromMonitorProcessing, CanIncludeInClipboardHistory
// = 0 and CanUploadToCloudClipboard = 0 (Microsoft's "Clipboard Formats"
// documentation) — and it is emptied after the timeout unless something
// else was copied since (the clipboard's sequence number moved).
type WinClipboard struct{}

// DefaultClipboard is the platform's clipboard.
func DefaultClipboard() Clipboard { return WinClipboard{} }

func openClipboard(ctx context.Context) error {
	for i := 0; ; i++ {
		if r, _, _ := procOpenClipboard.Call(0); r != 0 {
			return nil
		}
		if i == 20 || ctx.Err() != nil {
			return errors.New("the clipboard is busy (another program holds it open)")
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// setData puts data (copied into a movable global block) on the open
// clipboard as format f.
func setData(f uintptr, data []byte) error {
	h, _, err := procGlobalAlloc.Call(gmemMoveable, uintptr(len(data)))
	if h == 0 {
		return fmt.Errorf("GlobalAlloc: %w", err)
	}
	p, _, err := procGlobalLock.Call(h)
	if p == 0 {
		procGlobalFree.Call(h)
		return fmt.Errorf("GlobalLock: %w", err)
	}
	// Copy with RtlMoveMemory: p is memory Go does not own.
	procMoveMemory.Call(p, uintptr(unsafe.Pointer(&data[0])), uintptr(len(data)))
	procGlobalUnlock.Call(h)
	if r, _, err := procSetClipboardData.Call(f, h); r == 0 {
		procGlobalFree.Call(h)
		return fmt.Errorf("SetClipboardData: %w", err)
	}
	return nil // the clipboard owns h now
}

func registered(name string) uintptr {
	p, err := windows.UTF16PtrFromString(name)
	if err != nil {
		return 0
	}
	r, _, _ := procRegisterClipboardFmt.Call(uintptr(unsafe.Pointer(p)))
	return r
}

// Copy implements Clipboard.
func (WinClipboard) Copy(ctx context.Context, text string, secret bool, clearAfter time.Duration) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	u, err := windows.UTF16FromString(text)
	if err != nil {
		return fmt.Errorf("copying: %w", err)
	}
	if err := openClipboard(ctx); err != nil {
		return err
	}
	defer procCloseClipboard.Call()
	procEmptyClipboard.Call()
	if err := setData(cfUnicodeText, unsafe.Slice((*byte)(unsafe.Pointer(&u[0])), 2*len(u))); err != nil {
		return err
	}
	if secret {
		zero := []byte{0, 0, 0, 0} // a DWORD 0
		for _, name := range []string{"ExcludeClipboardContentFromMonitorProcessing", "CanIncludeInClipboardHistory", "CanUploadToCloudClipboard"} {
			if f := registered(name); f != 0 {
				_ = setData(f, zero)
			}
		}
	}
	seq, _, _ := procGetClipboardSequenceNo.Call()
	time.AfterFunc(clearAfter, func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if now, _, _ := procGetClipboardSequenceNo.Call(); now != seq {
			return // something else was copied since: leave it
		}
		if openClipboard(context.Background()) == nil {
			procEmptyClipboard.Call()
			procCloseClipboard.Call()
		}
	})
	return nil
}
