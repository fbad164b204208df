package respond

import (
	"fmt"
	"io"
	"net/http"

	"github.com/peregrine-sec/peregrine/internal/alert"
)

// maxAlertBody bounds one posted alert.
const maxAlertBody = 1 << 20

// Handler accepts alerts in Falco's JSON format, as Falco's http_output and
// Falcosidekick's webhook output send them (POST / with one alert), so that
// existing Falco installations can drive peregrine's response. It also
// serves GET /healthz.
func (r *Responder) Handler() http.Handler {
	r.init()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"status": "ok"}`)
	})
	mux.HandleFunc("POST /{$}", r.acceptAlert)
	mux.HandleFunc("POST /alerts", r.acceptAlert)
	return mux
}

func (r *Responder) acceptAlert(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, req.Body, maxAlertBody))
	if err != nil {
		http.Error(w, fmt.Sprintf("reading the alert: %v", err), http.StatusRequestEntityTooLarge)
		return
	}
	a, err := alert.ParseFalcoJSON(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if !r.Handle(a) {
		w.Header().Set("Retry-After", "1")
		http.Error(w, "response queue full", http.StatusTooManyRequests)
		return
	}
	w.WriteHeader(http.StatusOK)
}
