package dashboard

import (
	"context"
	"net/http"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/auth"
	"github.com/omni-hq/omni/internal/channel/settings"
	"github.com/omni-hq/omni/internal/inbox"
)

// ChannelSettings is what the Channels pages need to show and save the
// settings of the messaging channels and marketplaces.
type ChannelSettings interface {
	Views(ctx context.Context) ([]settings.ChannelView, error)
	View(ctx context.Context, channel string) (settings.ChannelView, error)
	Save(ctx context.Context, channel string, in settings.Input) error
	Sealed() bool
}

// ChannelActivity reports a messaging channel's latest message received
// and latest delivery failure.
type ChannelActivity interface {
	ChannelActivity(ctx context.Context, channel string) (inbox.ChannelActivity, error)
}

// ChannelChecks tests a channel's connection to its platform, sending
// nothing, and describes the answer.
type ChannelChecks interface {
	Check(ctx context.Context, channel string) (string, error)
}

// checkTimeout bounds a connection test.
const checkTimeout = 20 * time.Second

func (h *Handler) mountChannelSettings(mux *http.ServeMux, s section) {
	mux.Handle("GET /channels/connections", h.guard(s.roles, h.connectionRows))
	mux.Handle("GET /channels/{channel}", h.guard(s.roles, h.channelPage))
	mux.Handle("POST /channels/{channel}", h.guard(s.roles, h.saveChannel))
	if h.d.ChannelChecks != nil {
		mux.Handle("POST /channels/{channel}/check", h.guard(s.roles, h.checkChannel))
	}
}

// connectionRow is a configurable channel with its live status.
type connectionRow struct {
	settings.ChannelView
	LastReceived time.Time      // messaging channels: the latest message in
	Failure      *inbox.Failure // messaging channels: the latest delivery failure
	Source       *auth.Source   // marketplaces: the source their feed sends with
	LastEvent    time.Time      // marketplaces: the source's latest event
}

// connections lists the configurable channels with their status; nil
// without channel settings.
func (h *Handler) connections(ctx context.Context, sources []auth.Source, bySource map[string]time.Time) ([]connectionRow, error) {
	if h.d.ChannelSettings == nil {
		return nil, nil
	}
	views, err := h.d.ChannelSettings.Views(ctx)
	if err != nil {
		return nil, err
	}
	rows := make([]connectionRow, len(views))
	for i, v := range views {
		if rows[i], err = h.connection(ctx, v, sources, bySource); err != nil {
			return nil, err
		}
	}
	return rows, nil
}

func (h *Handler) connection(ctx context.Context, v settings.ChannelView, sources []auth.Source, bySource map[string]time.Time) (connectionRow, error) {
	row := connectionRow{ChannelView: v}
	if v.Marketplace {
		id := v.Value(settings.FieldSource)
		for i := range sources {
			if sources[i].ID == id {
				row.Source, row.LastEvent = &sources[i], bySource[id]
			}
		}
		return row, nil
	}
	if h.d.ChannelActivity == nil {
		return row, nil
	}
	act, err := h.d.ChannelActivity.ChannelActivity(ctx, v.Channel)
	row.LastReceived, row.Failure = act.LastReceived, act.LastFailure
	return row, err
}

// marketplaceSources lists the sources and the last event of each.
func (h *Handler) marketplaceSources(ctx context.Context) ([]auth.Source, map[string]time.Time, error) {
	sources, err := h.d.Sources.ListSources(ctx)
	if err != nil {
		return nil, nil, err
	}
	var ids []string
	for _, s := range sources {
		if s.Channel == "marketplace" {
			ids = append(ids, s.ID)
		}
	}
	last, err := h.d.Activity.LastBySource(ctx, ids)
	return sources, last, err
}

// connectionRows is the status table's body, polled by the Channels page.
func (h *Handler) connectionRows(w http.ResponseWriter, r *http.Request, req *request) error {
	sources, last, err := h.marketplaceSources(r.Context())
	if err != nil {
		return err
	}
	rows, err := h.connections(r.Context(), sources, last)
	if err != nil {
		return err
	}
	h.renderBlock(w, r, http.StatusOK, "channels", "connection-rows", channelsView{Connections: rows, Now: h.o.Now()})
	return nil
}

// channelPageView is one channel's settings page.
type channelPageView struct {
	connectionRow
	Sealed   bool
	CanCheck bool
	Form     map[string]string // values posted with an error, shown again (never secrets)
	Error    string
	Check    *checkResult
	Now      time.Time
}

type checkResult struct {
	OK      bool
	Message string
}

func (h *Handler) channelPage(w http.ResponseWriter, r *http.Request, req *request) error {
	notice := ""
	if r.URL.Query().Has("saved") {
		notice = "Saved. The new settings apply to the next webhook and the next message sent."
	}
	return h.renderChannelPage(w, r, req, http.StatusOK, channelPageView{}, notice)
}

// renderChannelPage shows a channel's settings and status; v carries what
// the request adds (an error, a check result).
func (h *Handler) renderChannelPage(w http.ResponseWriter, r *http.Request, req *request, status int, v channelPageView, notice string) error {
	ctx := r.Context()
	cv, err := h.d.ChannelSettings.View(ctx, r.PathValue("channel"))
	if err != nil {
		return err
	}
	sources, last, err := h.marketplaceSources(ctx)
	if err != nil {
		return err
	}
	if v.connectionRow, err = h.connection(ctx, cv, sources, last); err != nil {
		return err
	}
	v.Sealed, v.Now = h.d.ChannelSettings.Sealed(), h.o.Now()
	v.CanCheck = h.d.ChannelChecks != nil && !cv.Marketplace
	h.render(w, r, status, "channel", h.withSession(view{Title: cv.Title, Active: "channels", Notice: notice, Data: v}, req))
	return nil
}

// saveChannel stores the posted settings; a blank secret keeps the stored
// one. A marketplace gets its tracking source on its first save.
func (h *Handler) saveChannel(w http.ResponseWriter, r *http.Request, req *request) error {
	ctx := r.Context()
	if err := r.ParseForm(); err != nil {
		return errInvalid("form", "unreadable form")
	}
	ch := r.PathValue("channel")
	cv, err := h.d.ChannelSettings.View(ctx, ch)
	if err != nil {
		return err
	}
	in := settings.Input{Values: map[string]string{}, Clear: r.PostForm["clear"], Enabled: r.PostForm.Has("enabled"),
		By: req.user.Email}
	form := map[string]string{}
	for _, f := range cv.Fields {
		if vals, ok := r.PostForm[f.Name]; ok && !f.Hidden {
			in.Values[f.Name] = vals[0]
			if !f.Secret {
				form[f.Name] = vals[0]
			}
		}
	}
	err = h.d.ChannelSettings.Save(ctx, ch, in)
	if err == nil && cv.Marketplace && cv.Value(settings.FieldSource) == "" {
		err = h.connectMarketplace(ctx, cv, in)
	}
	if e, ok := apperr.As(err); ok && e.Code == apperr.Invalid {
		v := channelPageView{Form: form, Error: e.Message}
		return h.renderChannelPage(w, r, req, http.StatusBadRequest, v, "")
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/channels/"+ch+"?saved=1", http.StatusSeeOther)
	return nil
}

// connectMarketplace creates the source a marketplace's order feed sends
// with and records it.
func (h *Handler) connectMarketplace(ctx context.Context, cv settings.ChannelView, in settings.Input) error {
	src, err := h.d.Sources.CreateSource(ctx, cv.Title, "marketplace")
	if err != nil {
		return err
	}
	return h.d.ChannelSettings.Save(ctx, cv.Channel, settings.Input{Enabled: in.Enabled, By: in.By,
		Values: map[string]string{settings.FieldSource: src.ID}})
}

// checkChannel tests the channel's connection with its saved settings and
// shows the answer.
func (h *Handler) checkChannel(w http.ResponseWriter, r *http.Request, req *request) error {
	ctx, cancel := context.WithTimeout(r.Context(), checkTimeout)
	defer cancel()
	msg, err := h.d.ChannelChecks.Check(ctx, r.PathValue("channel"))
	if apperr.CodeOf(err) == apperr.NotFound {
		return err
	}
	res := &checkResult{OK: err == nil, Message: msg}
	if err != nil {
		res.Message = err.Error()
	}
	return h.renderChannelPage(w, r, req, http.StatusOK, channelPageView{Check: res}, "")
}

// fieldInput is one field of the settings form: the value shown is the one
// posted with an error, else the value in effect (never a secret's).
type fieldInput struct {
	Field settings.FieldView
	Value string
}

func newFieldInput(f settings.FieldView, form map[string]string) fieldInput {
	if v, ok := form[f.Name]; ok && !f.Secret {
		return fieldInput{Field: f, Value: v}
	}
	return fieldInput{Field: f, Value: f.Value}
}
