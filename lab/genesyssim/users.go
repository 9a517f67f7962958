package genesyssim

import (
	"crypto/sha256"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// user is one Genesys user (agent).
type user struct {
	ID    string
	Name  string
	Email string
	Index int
}

// User is a user as the simulator's API shows it.
type User struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
	Index int    `json:"index"`
}

// userID derives a stable UUID for user number i, so that runs are
// reproducible.
func userID(i int) string {
	h := sha256.Sum256(fmt.Appendf(nil, "genesyssim user %d", i))
	h[6] = h[6]&0x0f | 0x40
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

func (s *Sim) addUsersLocked(n int) []User {
	var out []User
	for range n {
		i := s.nextUser
		s.nextUser++
		u := &user{ID: userID(i), Name: fmt.Sprintf("Agent %04d", i), Email: fmt.Sprintf("agent%04d@example.com", i), Index: i}
		s.users = append(s.users, u)
		s.byID[u.ID] = u
		out = append(out, u.public())
	}
	return out
}

func (u *user) public() User { return User{ID: u.ID, Name: u.Name, Email: u.Email, Index: u.Index} }

// Users lists the users, in order.
func (s *Sim) Users() []User {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]User, len(s.users))
	for i, u := range s.users {
		out[i] = u.public()
	}
	return out
}

// AddUsers creates n more users: the tracker picks them up at its next
// user refresh.
func (s *Sim) AddUsers(n int) []User {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addUsersLocked(n)
}

// RemoveUser deletes a user: it leaves GET /api/v2/users.
func (s *Sim) RemoveUser(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.byID[id]
	if u == nil {
		return fmt.Errorf("%w: %s", ErrUnknownUser, id)
	}
	delete(s.byID, id)
	for i, v := range s.users {
		if v == u {
			s.users = append(s.users[:i], s.users[i+1:]...)
			break
		}
	}
	return nil
}

// handleUsers is GET /api/v2/users: pageSize (default 25, at most
// MaxPageSize), pageNumber, state (active; deleted users are gone).
func (s *Sim) handleUsers(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	size, page := 25, 1
	if v := q.Get("pageSize"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > s.cfg.MaxPageSize {
			writeError(w, http.StatusBadRequest, "bad.request", fmt.Sprintf("pageSize must be between 1 and %d", s.cfg.MaxPageSize))
			return
		}
		size = n
	}
	if v := q.Get("pageNumber"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeError(w, http.StatusBadRequest, "bad.request", "pageNumber must be at least 1")
			return
		}
		page = n
	}
	if st := q.Get("state"); st != "" && st != "active" && st != "any" {
		writeJSON(w, http.StatusOK, map[string]any{"entities": []any{}, "pageSize": size, "pageNumber": page, "total": 0, "pageCount": 0})
		return
	}
	s.mu.Lock()
	s.stats.UserPages++
	total := len(s.users)
	var ents []map[string]any
	for i := (page - 1) * size; i < min(page*size, total); i++ {
		u := s.users[i]
		ents = append(ents, map[string]any{
			"id":            u.ID,
			"name":          u.Name,
			"division":      map[string]string{"id": "a5b4c3d2-e1f0-4a9b-8c7d-6e5f4a3b2c1d", "name": "Home", "selfUri": "/api/v2/authorization/divisions/a5b4c3d2-e1f0-4a9b-8c7d-6e5f4a3b2c1d"},
			"chat":          map[string]string{"jabberId": fmt.Sprintf("%x@example.orgspan.com", u.Index)},
			"email":         u.Email,
			"state":         "active",
			"username":      u.Email,
			"version":       1,
			"acdAutoAnswer": false,
			"selfUri":       "/api/v2/users/" + u.ID,
		})
	}
	s.mu.Unlock()
	pages := (total + size - 1) / size
	link := func(p int) string {
		v := url.Values{"pageSize": {strconv.Itoa(size)}, "pageNumber": {strconv.Itoa(p)}}
		if st := q.Get("state"); st != "" {
			v.Set("state", st)
		}
		return "/api/v2/users?" + v.Encode()
	}
	body := map[string]any{
		"entities":   ents,
		"pageSize":   size,
		"pageNumber": page,
		"total":      total,
		"pageCount":  pages,
		"firstUri":   link(1),
		"selfUri":    link(page),
		"lastUri":    link(max(pages, 1)),
	}
	if ents == nil {
		body["entities"] = []any{}
	}
	if page < pages {
		body["nextUri"] = link(page + 1)
	}
	if page > 1 {
		body["previousUri"] = link(page - 1)
	}
	writeJSON(w, http.StatusOK, body)
}
