package windows

import (
	"strconv"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/ramsso/ramsso/app/tray"
	"github.com/ramsso/ramsso/internal/capture"
	"github.com/ramsso/ramsso/internal/textsafe"
)

// PickerView is the role picker's widgets over a PickerModel. Keys: typing
// filters, Up/Down move, Enter picks, Escape cancels.
type PickerView struct {
	Model *tray.PickerModel
	// OnPick and OnCancel report the person's decision.
	OnPick   func(capture.Answer)
	OnCancel func()
	Now      func() time.Time

	Filter   *FilterEntry
	List     *widget.List
	Duration *widget.Select
	Remember *widget.Check
	Note     *widget.Label
	Issuer   *widget.Label
	Subject  *widget.Label
	Expiry   *widget.Label
	Error    *widget.Label
	Pick     *widget.Button
	Queue    *widget.Label

	content fyne.CanvasObject
	syncing bool
}

// FilterEntry is the filter box: an Entry that also moves the selection,
// picks and cancels.
type FilterEntry struct {
	widget.Entry
	view *PickerView
}

// TypedKey routes navigation keys to the picker and the rest to the Entry.
func (e *FilterEntry) TypedKey(k *fyne.KeyEvent) {
	if !e.view.Key(k.Name) {
		e.Entry.TypedKey(k)
	}
}

// NewPickerView builds the picker's widgets for m.
func NewPickerView(m *tray.PickerModel, now func() time.Time) *PickerView {
	v := &PickerView{Model: m, Now: now}
	v.Filter = &FilterEntry{view: v}
	v.Filter.ExtendBaseWidget(v.Filter)
	v.Filter.SetPlaceHolder("Filter roles: account, alias or role name")
	v.Filter.OnChanged = func(q string) {
		v.Model.SetFilter(q)
		v.refresh()
	}
	v.Filter.OnSubmitted = func(string) { v.pick() }
	v.List = widget.NewList(
		func() int { return len(v.Model.Rows()) },
		func() fyne.CanvasObject { return widget.NewLabel("account / role name placeholder") },
		func(id widget.ListItemID, o fyne.CanvasObject) {
			rows := v.Model.Rows()
			if id < 0 || id >= len(rows) {
				return
			}
			l := o.(*widget.Label)
			r := rows[id]
			if r.Header {
				l.SetText(r.Label)
				l.TextStyle = fyne.TextStyle{Bold: true}
			} else {
				l.SetText("    " + r.Label)
				l.TextStyle = fyne.TextStyle{}
			}
			l.Refresh()
		})
	v.List.OnSelected = func(id widget.ListItemID) {
		if v.syncing {
			return
		}
		rows := v.Model.Rows()
		if id >= 0 && id < len(rows) && !rows[id].Header {
			v.Model.Select(rows[id].Index)
		}
		v.refresh()
	}
	var opts []string
	for _, d := range tray.Durations {
		opts = append(opts, DurationLabel(d))
	}
	v.Duration = widget.NewSelect(opts, func(s string) {
		if v.syncing {
			return
		}
		for _, d := range tray.Durations {
			if DurationLabel(d) == s {
				v.Model.SetDuration(d)
			}
		}
		v.refresh()
	})
	v.Remember = widget.NewCheck("Remember this choice for this IdP", func(on bool) { v.Model.SetRemember(on) })
	v.Note = widget.NewLabel("")
	v.Note.Wrapping = fyne.TextWrapWord
	v.Error = widget.NewLabel("")
	v.Error.Importance = widget.DangerImportance
	v.Error.Wrapping = fyne.TextWrapWord
	v.Issuer = widget.NewLabel("")
	v.Subject = widget.NewLabel("")
	v.Expiry = widget.NewLabel("")
	v.Queue = widget.NewLabel("")
	v.Pick = widget.NewButtonWithIcon("Use this role", theme.ConfirmIcon(), v.pick)
	v.Pick.Importance = widget.HighImportance
	cancel := widget.NewButtonWithIcon("Cancel", theme.CancelIcon(), v.cancel)

	info := widget.NewForm(
		widget.NewFormItem("IdP", v.Issuer),
		widget.NewFormItem("User", v.Subject),
	)
	top := container.NewVBox(info, v.Expiry, v.Filter)
	bottom := container.NewVBox(
		widget.NewForm(widget.NewFormItem("Session duration", v.Duration)),
		v.Note, v.Remember, v.Error,
		container.NewHBox(v.Queue, layout.NewSpacer(), cancel, v.Pick),
	)
	v.content = container.NewBorder(top, bottom, nil, nil, v.List)
	v.Load(m)
	return v
}

// Content is the picker's root object.
func (v *PickerView) Content() fyne.CanvasObject { return v.content }

// Load shows a new question.
func (v *PickerView) Load(m *tray.PickerModel) {
	v.Model = m
	v.Issuer.SetText(textsafe.Escape(m.Req.Issuer))
	v.Subject.SetText(textsafe.Escape(m.Req.Subject))
	v.Remember.SetChecked(m.Remember())
	v.Error.SetText("")
	v.syncing = true
	v.Filter.SetText(m.Filter())
	v.syncing = false
	v.refresh()
}

// SetQueued shows how many more questions wait.
func (v *PickerView) SetQueued(n int) {
	if n > 0 {
		v.Queue.SetText(DurationQueued(n))
	} else {
		v.Queue.SetText("")
	}
}

// DurationQueued is the "n more waiting" text.
func DurationQueued(n int) string {
	if n == 1 {
		return "1 more request waiting"
	}
	return strconv.Itoa(n) + " more requests waiting"
}

// Tick refreshes the countdown; it returns false once the assertion expired.
func (v *PickerView) Tick() bool {
	now := v.Now()
	v.Expiry.SetText(v.Model.ExpiryText(now))
	expired := v.Model.Expired(now)
	if expired {
		v.Pick.Disable()
	}
	return !expired
}

// Key handles a navigation key; it reports whether it did.
func (v *PickerView) Key(k fyne.KeyName) bool {
	switch k {
	case fyne.KeyUp:
		v.Model.Move(-1)
	case fyne.KeyDown:
		v.Model.Move(1)
	case fyne.KeyPageUp:
		v.Model.Move(-10)
	case fyne.KeyPageDown:
		v.Model.Move(10)
	case fyne.KeyReturn, fyne.KeyEnter:
		v.pick()
		return true
	case fyne.KeyEscape:
		v.cancel()
		return true
	default:
		return false
	}
	v.refresh()
	return true
}

func (v *PickerView) pick() {
	ans, err := v.Model.Answer(v.Now())
	if err != nil {
		v.Error.SetText(err.Error())
		return
	}
	if v.OnPick != nil {
		v.OnPick(ans)
	}
}

func (v *PickerView) cancel() {
	if v.OnCancel != nil {
		v.OnCancel()
	}
}

// refresh pushes the model into the widgets.
func (v *PickerView) refresh() {
	v.syncing = true
	defer func() { v.syncing = false }()
	v.List.Refresh()
	if row := v.Model.SelectedRow(); row >= 0 {
		v.List.Select(row)
		switch rows := v.Model.Rows(); {
		case v.Model.SelectedIndex() == 0:
			// The top, whatever the list's size (it may not be laid out yet).
			v.List.ScrollToTop()
		case rows[row-1].Header:
			// Keep the account's header in view above its first role.
			v.List.ScrollTo(row - 1)
			v.List.ScrollTo(row)
		default:
			v.List.ScrollTo(row)
		}
	} else {
		v.List.UnselectAll()
	}
	v.Duration.SetSelected(DurationLabel(v.Model.Duration()))
	v.Note.SetText(v.Model.Note())
	if v.Model.Count() == 0 {
		v.Error.SetText("No role matches the filter.")
	} else if v.Error.Text == "No role matches the filter." {
		v.Error.SetText("")
	}
	if v.Tick() && v.Model.Count() > 0 {
		v.Pick.Enable()
	} else {
		v.Pick.Disable()
	}
}

// DurationLabel is how the duration selector shows d.
func DurationLabel(d time.Duration) string {
	switch {
	case d < time.Hour:
		return strconv.Itoa(int(d/time.Minute)) + " minutes"
	case d == time.Hour:
		return "1 hour"
	case d%time.Hour == 0:
		return strconv.Itoa(int(d/time.Hour)) + " hours"
	default:
		return tray.Countdown(d)
	}
}
