package expose

// The HTTP side: which addresses may be listened on, the endpoints, and the
// server. A listen address that is just a port binds loopback; any address
// that is not loopback must be asked for explicitly (public), because the
// endpoints have no authentication. Only GET and HEAD are served, on the
// paths listed in Paths, and no endpoint changes the session. The server
// logs nothing: the live view owns the terminal while it runs.

import (
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"syscall"
	"time"

	pprofile "github.com/google/pprof/profile"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/haktop/haktop/live"
	"github.com/haktop/haktop/profile"
)

// The endpoints.
const (
	MetricsPath  = "/metrics"
	ProfilePath  = "/debug/pprof/profile"
	CountersPath = "/debug/pprof/counters"
)

// Paths lists the endpoints, for the index page and messages.
var Paths = []string{MetricsPath, ProfilePath, CountersPath}

// DefaultAddr is `haktop serve`'s address when --listen is not given.
const DefaultAddr = "127.0.0.1:9464"

// Source is what the endpoints read: a live session (*live.Engine is one).
type Source interface {
	// Reading returns the latest reading, with each worker's counters
	// when workers is true.
	Reading(workers bool) live.Reading
	// CounterProfile returns the counter profile of the current epoch, or
	// nil for a target that has none (a command that publishes no
	// counters): 404.
	CounterProfile() *pprofile.Profile
}

// CPUSource is a Source whose target runs in this process, so its CPU
// profile is this process's; a source that is not one (a command run)
// answers the CPU profile endpoint with 404.
type CPUSource interface {
	// Collector returns the session's CPU profile collector, or nil.
	Collector() *profile.Collector
}

// accepted is the form every listen address error names.
const accepted = "want PORT, :PORT or HOST:PORT with HOST an IP address or localhost, e.g. 9464, :9464 or 127.0.0.1:9464"

// ParseListen returns the host:port to listen on for addr: a bare port
// (9464 or :9464) is 127.0.0.1's; a HOST that is not loopback is refused
// unless public. Errors start with addr, quoted, for the flag's name to go before.
func ParseListen(addr string, public bool) (string, error) {
	hostPort := addr
	if !strings.Contains(addr, ":") {
		hostPort = ":" + addr
	}
	host, port, err := net.SplitHostPort(hostPort)
	if err != nil {
		return "", fmt.Errorf("%q is not valid: %s", addr, accepted)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 0 || n > 65535 || port == "" || strings.TrimLeft(port, "0123456789") != "" {
		return "", fmt.Errorf("%q is not valid: the port must be a number from 0 to 65535 (0 picks a free one); %s", addr, accepted)
	}
	switch host {
	case "":
		host = "127.0.0.1"
	case "localhost":
		host = "127.0.0.1"
	default:
		ip, err := netip.ParseAddr(host)
		if err != nil || ip.Zone() != "" {
			return "", fmt.Errorf("%q is not valid: %q is not an IP address; %s", addr, host, accepted)
		}
		if !ip.IsLoopback() && !public {
			return "", fmt.Errorf("%q is not a loopback address: the endpoints have no authentication, so serving beyond this machine needs --listen-public too", addr)
		}
	}
	return net.JoinHostPort(host, strconv.Itoa(n)), nil
}

// Listen parses addr (ParseListen) and listens on it. A port in use is an
// error saying so; every error starts with addr, quoted.
func Listen(addr string, public bool) (net.Listener, error) {
	hostPort, err := ParseListen(addr, public)
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", hostPort)
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		return nil, fmt.Errorf("%q: %s is in use (another haktop?): pick another port", addr, hostPort)
	case err != nil:
		return nil, fmt.Errorf("%q: cannot listen on %s: %v", addr, hostPort, errors.Unwrap(err))
	}
	return l, nil
}

// server holds the handlers' state.
type server struct {
	src     Source
	metrics http.Handler
}

// Handler returns the endpoints over src.
func Handler(src Source, opts Options) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(NewMetrics(src.Reading, opts),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s := &server{src: src, metrics: promhttp.HandlerFor(reg, promhttp.HandlerOpts{})}
	mux := http.NewServeMux()
	mux.HandleFunc("/{$}", s.index)
	mux.Handle(MetricsPath, s.metrics)
	mux.HandleFunc(ProfilePath, s.cpuProfile)
	mux.HandleFunc(CountersPath, s.counterProfile)
	return readOnly(mux)
}

// readOnly refuses every method but GET and HEAD.
func readOnly(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, r.Method+" is not allowed: the endpoints are read-only (GET, HEAD)", http.StatusMethodNotAllowed)
			return
		}
		h.ServeHTTP(w, r)
	})
}

func (s *server) index(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintf(w, "haktop\n\n%s                 Prometheus metrics\n%s?seconds=N  CPU profile of the next N seconds (pprof)\n%s    counter profile of the current epoch (pprof)\n",
		MetricsPath, ProfilePath, CountersPath)
}

// Server serves the endpoints on a listener.
type Server struct {
	srv  *http.Server
	l    net.Listener
	done chan struct{}
}

// Serve serves h on l until Close.
func Serve(l net.Listener, h http.Handler) *Server {
	s := &Server{
		srv: &http.Server{
			Handler:           h,
			ReadHeaderTimeout: 10 * time.Second,
			WriteTimeout:      (MaxProfileSeconds + 30) * time.Second,
			ErrorLog:          log.New(io.Discard, "", 0), // nothing on the terminal
		},
		l:    l,
		done: make(chan struct{}),
	}
	go func() { defer close(s.done); s.srv.Serve(l) }()
	return s
}

// Addr returns the address served, e.g. 127.0.0.1:9464.
func (s *Server) Addr() string { return s.l.Addr().String() }

// Close stops serving: it closes the listener and every connection.
func (s *Server) Close() error {
	err := s.srv.Close()
	<-s.done
	return err
}
