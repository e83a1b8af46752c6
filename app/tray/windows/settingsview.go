package windows

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/ramsso/ramsso/app/tray"
)

// SettingsView is the settings window's widgets over a tray.SettingsForm.
type SettingsView struct {
	// OnSave gets the edited form; an error is shown in the window.
	OnSave   func(tray.SettingsForm) error
	OnCancel func()

	Aliases           *widget.Entry
	DefaultDuration   *widget.Select
	STSRegion         *widget.Entry
	STSEndpoint       *widget.Entry
	Proxy             *widget.Entry
	ClipboardTimeout  *widget.Entry
	Notifications     *widget.Check
	LoginURLs         *widget.Entry
	ConsoleChoiceWait *widget.Entry
	EnvFormat         *widget.Select
	StartAtLogin      *widget.Check
	Error             *widget.Label
	Save              *widget.Button

	content fyne.CanvasObject
	loaded  tray.SettingsForm
}

// NewSettingsView builds the settings widgets showing f.
func NewSettingsView(f tray.SettingsForm) *SettingsView {
	v := &SettingsView{}
	v.Aliases = widget.NewMultiLineEntry()
	v.Aliases.SetPlaceHolder("1234567890123456 = prod")
	v.Aliases.SetMinRowsVisible(3)
	var opts []string
	for _, d := range tray.Durations {
		opts = append(opts, DurationLabel(d))
	}
	v.DefaultDuration = widget.NewSelect(opts, nil)
	v.STSRegion = widget.NewEntry()
	v.STSRegion.SetPlaceHolder("cn-hangzhou (empty: sts.aliyuncs.com)")
	v.STSEndpoint = widget.NewEntry()
	v.STSEndpoint.SetPlaceHolder("https://sts.example (overrides the region)")
	v.Proxy = widget.NewEntry()
	v.Proxy.SetPlaceHolder("http://proxy.example:3128")
	v.ClipboardTimeout = widget.NewEntry()
	v.ClipboardTimeout.SetPlaceHolder("30s")
	v.Notifications = widget.NewCheck("Show desktop notifications", nil)
	v.LoginURLs = widget.NewMultiLineEntry()
	v.LoginURLs.SetPlaceHolder("https://idp.example/issuer = https://idp.example/sso/alibaba")
	v.LoginURLs.SetMinRowsVisible(3)
	v.ConsoleChoiceWait = widget.NewEntry()
	v.ConsoleChoiceWait.SetPlaceHolder("90s")
	v.EnvFormat = widget.NewSelect([]string{"sh", "fish", "PowerShell"}, nil)
	v.StartAtLogin = widget.NewCheck("Start the ramsso tray when I log in", nil)
	v.Error = widget.NewLabel("")
	v.Error.Importance = widget.DangerImportance
	v.Error.Wrapping = fyne.TextWrapWord
	v.Save = widget.NewButtonWithIcon("Save", theme.DocumentSaveIcon(), func() {
		if v.OnSave == nil {
			return
		}
		if err := v.OnSave(v.Form()); err != nil {
			v.Error.SetText(err.Error())
			return
		}
		v.Error.SetText("")
	})
	v.Save.Importance = widget.HighImportance
	cancel := widget.NewButton("Cancel", func() {
		if v.OnCancel != nil {
			v.OnCancel()
		}
	})
	form := widget.NewForm(
		widget.NewFormItem("Account aliases", v.Aliases),
		widget.NewFormItem("Default duration", v.DefaultDuration),
		widget.NewFormItem("STS region", v.STSRegion),
		widget.NewFormItem("STS endpoint", v.STSEndpoint),
		widget.NewFormItem("HTTPS proxy", v.Proxy),
		widget.NewFormItem("Clear clipboard after", v.ClipboardTimeout),
		widget.NewFormItem("Copy environment as", v.EnvFormat),
		widget.NewFormItem("IdP login URLs", v.LoginURLs),
		widget.NewFormItem("Wait for the console's choice", v.ConsoleChoiceWait),
		widget.NewFormItem("", v.Notifications),
		widget.NewFormItem("", v.StartAtLogin),
	)
	v.content = container.NewBorder(nil,
		container.NewVBox(v.Error, container.NewHBox(layout.NewSpacer(), cancel, v.Save)),
		nil, nil, container.NewVScroll(form))
	v.Load(f)
	return v
}

// Content is the window's root object.
func (v *SettingsView) Content() fyne.CanvasObject { return v.content }

// Load shows f.
func (v *SettingsView) Load(f tray.SettingsForm) {
	v.loaded = f
	v.Aliases.SetText(f.Aliases)
	v.DefaultDuration.SetSelected(DurationLabel(f.DefaultDuration))
	v.STSRegion.SetText(f.STSRegion)
	v.STSEndpoint.SetText(f.STSEndpoint)
	v.Proxy.SetText(f.Proxy)
	v.ClipboardTimeout.SetText(f.ClipboardTimeout)
	v.Notifications.SetChecked(f.Notifications)
	v.LoginURLs.SetText(f.LoginURLs)
	v.ConsoleChoiceWait.SetText(f.ConsoleChoiceWait)
	v.EnvFormat.SetSelected(f.EnvFormat)
	v.StartAtLogin.SetChecked(f.StartAtLogin)
	v.Error.SetText("")
}

// Form reads the widgets back.
func (v *SettingsView) Form() tray.SettingsForm {
	f := tray.SettingsForm{
		Aliases:           v.Aliases.Text,
		STSRegion:         v.STSRegion.Text,
		STSEndpoint:       v.STSEndpoint.Text,
		Proxy:             v.Proxy.Text,
		ClipboardTimeout:  v.ClipboardTimeout.Text,
		Notifications:     v.Notifications.Checked,
		LoginURLs:         v.LoginURLs.Text,
		ConsoleChoiceWait: v.ConsoleChoiceWait.Text,
		EnvFormat:         v.EnvFormat.Selected,
		StartAtLogin:      v.StartAtLogin.Checked,
		DefaultDuration:   v.loaded.DefaultDuration, // a value the list does not offer stays
	}
	for _, d := range tray.Durations {
		if DurationLabel(d) == v.DefaultDuration.Selected {
			f.DefaultDuration = d
		}
	}
	return f
}
