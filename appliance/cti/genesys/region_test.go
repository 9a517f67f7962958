package genesys

import (
	"errors"
	"testing"
)

func TestResolveEndpoints(t *testing.T) {
	tests := map[string]struct {
		region, base string
		token, api   string
		err          error
	}{
		"short":            {region: "usw2", token: "https://login.usw2.pure.cloud/oauth/token", api: "https://api.usw2.pure.cloud"},
		"aws":              {region: "us-west-2", token: "https://login.usw2.pure.cloud/oauth/token", api: "https://api.usw2.pure.cloud"},
		"domain":           {region: "usw2.pure.cloud", token: "https://login.usw2.pure.cloud/oauth/token", api: "https://api.usw2.pure.cloud"},
		"us-east-1":        {region: "us-east-1", token: "https://login.mypurecloud.com/oauth/token", api: "https://api.mypurecloud.com"},
		"legacy domain":    {region: "mypurecloud.com", api: "https://api.mypurecloud.com", token: "https://login.mypurecloud.com/oauth/token"},
		"api host":         {region: "api.mypurecloud.de", api: "https://api.mypurecloud.de", token: "https://login.mypurecloud.de/oauth/token"},
		"upper case":       {region: " EU-WEST-1 ", api: "https://api.mypurecloud.ie", token: "https://login.mypurecloud.ie/oauth/token"},
		"gov":              {region: "us-east-2", api: "https://api.use2.us-gov-pure.cloud", token: "https://login.use2.us-gov-pure.cloud/oauth/token"},
		"sydney short":     {region: "apse2", api: "https://api.mypurecloud.com.au", token: "https://login.mypurecloud.com.au/oauth/token"},
		"unknown domain":   {region: "xyz9.pure.cloud", api: "https://api.xyz9.pure.cloud", token: "https://login.xyz9.pure.cloud/oauth/token"},
		"unknown name":     {region: "mars-north-1", err: ErrConfig},
		"empty":            {region: "", err: ErrConfig},
		"bad domain":       {region: "a..b", err: ErrConfig},
		"base url":         {region: "usw2", base: "http://127.0.0.1:8081/", token: "http://127.0.0.1:8081/oauth/token", api: "http://127.0.0.1:8081"},
		"base url no reg":  {base: "https://sim.example:9443/g", token: "https://sim.example:9443/g/oauth/token", api: "https://sim.example:9443/g"},
		"base url bad":     {base: "ftp://x", err: ErrConfig},
		"base url no host": {base: "http://", err: ErrConfig},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			ep, err := ResolveEndpoints(tt.region, tt.base)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("err = %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if ep.TokenURL != tt.token || ep.API != tt.api {
				t.Fatalf("got %+v, want token %s api %s", ep, tt.token, tt.api)
			}
		})
	}
}

func TestRegionTableComplete(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range Regions() {
		for _, k := range []string{r.AWS, r.Short, r.Domain} {
			if seen[k] {
				t.Fatalf("%q twice", k)
			}
			seen[k] = true
			got, err := LookupRegion(k)
			if err != nil || got != r {
				t.Fatalf("LookupRegion(%q) = %+v, %v", k, got, err)
			}
		}
	}
	if len(Regions()) != 17 {
		t.Fatalf("%d regions, want the 17 of the issue", len(Regions()))
	}
}
