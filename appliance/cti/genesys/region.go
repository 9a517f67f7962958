package genesys

import (
	"fmt"
	"net/url"
	"strings"
)

// A Region is one Genesys Cloud deployment: its AWS region and the domain
// its services live under (login.<domain>, api.<domain>).
type Region struct {
	// AWS is the AWS region name, such as us-west-2; empty for a domain
	// that is not in the table.
	AWS string
	// Short is Genesys's short name, such as usw2.
	Short string
	// Domain is the deployment's domain, such as usw2.pure.cloud.
	Domain string
}

// regions is the table of Genesys Cloud deployments. The five oldest have
// no short name of their own in Genesys's hostnames; the short names given
// to them here (use1, euw1, euc1, apse2, apne1) follow the pattern of the
// others so that operators can spell every region the same way.
var regions = []Region{
	{"us-east-1", "use1", "mypurecloud.com"},
	{"us-east-2", "use2", "use2.us-gov-pure.cloud"},
	{"us-west-2", "usw2", "usw2.pure.cloud"},
	{"ca-central-1", "cac1", "cac1.pure.cloud"},
	{"sa-east-1", "sae1", "sae1.pure.cloud"},
	{"mx-central-1", "mxc1", "mxc1.pure.cloud"},
	{"eu-west-1", "euw1", "mypurecloud.ie"},
	{"eu-west-2", "euw2", "euw2.pure.cloud"},
	{"eu-central-1", "euc1", "mypurecloud.de"},
	{"eu-central-2", "euc2", "euc2.pure.cloud"},
	{"me-central-1", "mec1", "mec1.pure.cloud"},
	{"ap-south-1", "aps1", "aps1.pure.cloud"},
	{"ap-southeast-1", "apse1", "apse1.pure.cloud"},
	{"ap-southeast-2", "apse2", "mypurecloud.com.au"},
	{"ap-northeast-1", "apne1", "mypurecloud.jp"},
	{"ap-northeast-2", "apne2", "apne2.pure.cloud"},
	{"ap-northeast-3", "apne3", "apne3.pure.cloud"},
}

// Regions returns the table of known deployments.
func Regions() []Region { return append([]Region(nil), regions...) }

// LookupRegion resolves a short name (usw2), an AWS name (us-west-2) or a
// domain (usw2.pure.cloud, mypurecloud.com, or api./login. forms of them).
// A domain that is not in the table is accepted as given, because Genesys
// keeps adding regions; a name that is neither a known region nor looks
// like a domain is an error.
func LookupRegion(name string) (Region, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	n = strings.TrimSuffix(n, ".")
	for _, p := range []string{"api.", "login."} {
		n = strings.TrimPrefix(n, p)
	}
	if n == "" {
		return Region{}, fmt.Errorf("%w: empty region: want usw2, us-west-2 or a domain such as mypurecloud.com", ErrConfig)
	}
	for _, r := range regions {
		if n == r.Short || n == r.AWS || n == r.Domain {
			return r, nil
		}
	}
	if !strings.Contains(n, ".") || !validHost(n) {
		return Region{}, fmt.Errorf("%w: region %q: not a known region (usw2, us-west-2, ...) nor a domain such as mypurecloud.com", ErrConfig, name)
	}
	return Region{Domain: n}, nil
}

// validHost reports whether s is a plausible DNS name.
func validHost(s string) bool {
	if len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
				return false
			}
		}
	}
	return true
}

// Endpoints are the two base URLs the tracker talks to.
type Endpoints struct {
	// TokenURL is the OAuth token endpoint, https://login.<domain>/oauth/token.
	TokenURL string
	// API is the Platform API base, https://api.<domain>, without a
	// trailing slash.
	API string
}

// ResolveEndpoints returns the endpoints of a region, or of baseURL when it
// is set: the lab's simulator and tests serve both the token endpoint
// (<baseURL>/oauth/token) and the API (<baseURL>/api/v2/...) on one URL.
func ResolveEndpoints(region, baseURL string) (Endpoints, error) {
	if baseURL != "" {
		u, err := url.Parse(baseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return Endpoints{}, fmt.Errorf("%w: base URL %q: want http(s)://host[:port][/path]", ErrConfig, baseURL)
		}
		base := strings.TrimSuffix(u.String(), "/")
		return Endpoints{TokenURL: base + "/oauth/token", API: base}, nil
	}
	r, err := LookupRegion(region)
	if err != nil {
		return Endpoints{}, err
	}
	return Endpoints{TokenURL: "https://login." + r.Domain + "/oauth/token", API: "https://api." + r.Domain}, nil
}
