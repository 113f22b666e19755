package dashboard

import (
	"net/http"
	"slices"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/auth"
)

func (h *Handler) mountChannels(mux *http.ServeMux, s section) {
	mux.Handle("GET /channels", h.guard(s.roles, h.channels))
	mux.Handle("POST /channels/sources", h.guard(s.roles, h.createSource))
	if h.d.ChannelSettings != nil {
		h.mountChannelSettings(mux, s)
	}
}

type channelsView struct {
	Connections []connectionRow // nil without channel settings
	Sealed      bool            // secrets are encrypted at rest
	Sources     []sourceRow
	Channels    []channelStatus
	Choices     []string // channels a new source may belong to
	Form        sourceForm
	Created     string // id of the source just created
	Now         time.Time
}

type sourceRow struct {
	auth.Source
	Last time.Time
}

type channelStatus struct {
	Name    string
	Sources int
	Last    time.Time
}

type sourceForm struct {
	Name, Channel, Error string
}

func (h *Handler) channels(w http.ResponseWriter, r *http.Request, req *request) error {
	return h.renderChannels(w, r, req, http.StatusOK, sourceForm{Channel: "web"})
}

func (h *Handler) renderChannels(w http.ResponseWriter, r *http.Request, req *request, status int, form sourceForm) error {
	ctx := r.Context()
	sources, err := h.d.Sources.ListSources(ctx)
	if err != nil {
		return err
	}
	ids := make([]string, len(sources))
	for i, s := range sources {
		ids[i] = s.ID
	}
	bySource, err := h.d.Activity.LastBySource(ctx, ids)
	if err != nil {
		return err
	}
	byChannel, err := h.d.Activity.LastByChannel(ctx)
	if err != nil {
		return err
	}
	v := channelsView{Choices: auth.Channels, Form: form, Created: r.URL.Query().Get("created"), Now: h.o.Now()}
	if v.Connections, err = h.connections(ctx, sources, bySource); err != nil {
		return err
	}
	v.Sealed = h.d.ChannelSettings != nil && h.d.ChannelSettings.Sealed()
	count := map[string]int{}
	for _, s := range sources {
		v.Sources = append(v.Sources, sourceRow{Source: s, Last: bySource[s.ID]})
		count[s.Channel]++
	}
	names := slices.Clone(auth.Channels)
	for ch := range byChannel {
		if !slices.Contains(names, ch) {
			names = append(names, ch)
		}
	}
	for _, ch := range names {
		v.Channels = append(v.Channels, channelStatus{Name: ch, Sources: count[ch], Last: byChannel[ch]})
	}
	h.render(w, r, status, "channels", h.withSession(view{Title: "Channels", Active: "channels", Data: v}, req))
	return nil
}

// createSource adds a tracking source; a bad name or channel shows the form
// again with the problem named.
func (h *Handler) createSource(w http.ResponseWriter, r *http.Request, req *request) error {
	form := sourceForm{Name: r.PostFormValue("name"), Channel: r.PostFormValue("channel")}
	src, err := h.d.Sources.CreateSource(r.Context(), form.Name, form.Channel)
	if e, ok := apperr.As(err); ok && e.Code == apperr.Invalid {
		form.Error = e.Field + ": " + e.Message
		return h.renderChannels(w, r, req, http.StatusBadRequest, form)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/channels?created="+src.ID+"#"+src.ID, http.StatusSeeOther)
	return nil
}
