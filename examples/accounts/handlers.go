package main

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/keel-go/keel/auth"
	"github.com/keel-go/keel/errors"
)

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// handleMe describes the caller, as authenticated by a token or a
// session.
func handleMe() http.Handler {
	type response struct {
		Subject  string        `json:"subject"`
		Roles    []string      `json:"roles"`
		Methods  []auth.Method `json:"methods"`
		AuthTime time.Time     `json:"auth_time"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := auth.FromContext(r.Context()) // never nil behind sec.authenticate
		writeJSON(w, http.StatusOK, response{Subject: p.Subject, Roles: p.Roles, Methods: p.Methods, AuthTime: p.AuthTime.UTC()})
	})
}

// handleReports lists reports; the route's permission keeps it to
// analysts and admins.
func handleReports() http.Handler {
	type report struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	}
	reports := []report{{"q3-signups", "Sign-ups, third quarter"}, {"q3-churn", "Churn, third quarter"}}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, reports)
	})
}

// handleDeleteUser deletes a user, for admins: the user's sessions end at
// once, and the user's token families at their next refresh (the access
// tokens already issued live out their 15 minutes).
func handleDeleteUser(users *userStore, sec *security) http.Handler {
	return errors.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		id := r.PathValue("id")
		if !users.delete(id) {
			return errors.NotFound("no such user")
		}
		if _, err := sec.sessions.RevokeAll(r.Context(), id); err != nil {
			return err
		}
		if err := sec.totp.Disable(r.Context(), id); err != nil {
			return err
		}
		admin, _ := auth.FromContext(r.Context())
		e := auth.EventFromRequest(r, "user.deleted")
		e.Actor, e.Result, e.Attrs = admin.Subject, auth.ResultSuccess, map[string]string{"user": id}
		sec.auditor.Audit(r.Context(), e)
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
}
