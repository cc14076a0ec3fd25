package explain

import (
	"cmp"
	"github.com/acr-doctor/acr-doctor/diagnose/shell"
	"slices"
	"strings"

	"github.com/acr-doctor/acr-doctor/diagnose/cause"
	"github.com/acr-doctor/acr-doctor/diagnose/loginserver"
	"github.com/acr-doctor/acr-doctor/diagnose/redact"
)

// wellKnown are public registries whose certificates are valid: one that
// looks expired or not yet valid from here says the local clock is off.
var wellKnown = map[string]bool{
	"gcr.io": true, "ghcr.io": true, "quay.io": true, "registry.k8s.io": true, "k8s.gcr.io": true,
	"public.ecr.aws": true, "nvcr.io": true, "registry.gitlab.com": true,
}

// interpret reads each signal in the light of the whole text: where the
// request went, what the text says about the registry, what else is on the
// line. It returns the signals that still stand, changed where the context
// changes their meaning.
func interpret(s *state) []signal {
	failure, noCred := false, false
	for _, g := range s.sigs {
		switch g.Class {
		case authFail, badPassword, denied, repoMissing:
			failure = true
		}
		noCred = noCred || g.noCred
	}
	out := make([]signal, 0, len(s.sigs)+4)
	for _, g := range s.sigs {
		switch g.Class {
		case authFail, badPassword, denied, repoMissing:
			if g.trace && g.Class == authFail {
				continue // a 401 in a request trace is the challenge every login starts with
			}
			orig := g
			var keep bool
			if g, keep = byTarget(g, s.facts); !keep {
				continue
			}
			if g.Cause != orig.Cause && (orig.Class == denied || orig.Class == badPassword) {
				// What the words say stays a possibility.
				orig.Weight, orig.Class = min(orig.Weight, wPossible), plain
				out = append(out, orig)
			}
		case serverFail:
			// A 5xx beside a more specific error on the same line is the
			// status of a wrapper (the daemon, an SDK) around it.
			if lineHasOther(s.sigs, g) {
				continue
			}
		case unsetName, wrapper:
			// An empty host that another statement on its line answers for
			// was redacted, not unset; a wrapper's words go with the
			// specific error they wrap.
			if lineHasOther(s.sigs, g) {
				continue
			}
		case keyMiss:
			if !failure {
				continue // a name Docker keys differently matters only when a login fails
			}
		case hubLogin:
			if !failure {
				continue
			}
			if !s.facts.acr {
				// Nothing in the text is ACR's: Docker Hub was the registry
				// meant, and its refusal is the finding.
				g.Weight, g.Class = min(g.Weight, wPossible), plain
			}
		case refinable:
			if refined(s.sigs, g) {
				continue
			}
		case certTime:
			g = certClock(g)
		case roleOrCred:
			if noCred {
				// The client said it sent no credential: that is what
				// the refusal is for.
				g.Cause, g.Alt = badCreds, alts(noPerm)
			}
		case challenge:
			if s.facts.privateDNS {
				out = append(out, signal{
					Cause: netDown, Weight: wLikely + 5, Line: g.Line, Host: g.Host, Target: g.Target,
					What: "the registry resolves to a private address and gives no challenge: the network path to its private endpoint",
					Alt:  alts(firewall, regError),
				})
				g.Weight, g.Class = min(g.Weight, wPossible), plain // stays a possibility
			}
		}
		if ecrPublicPull(s, g) {
			switch g.Cause {
			case expired:
				// Every image there is public: the stored token that
				// lapsed is not needed for the pull at all.
				out = append(out, signal{
					Cause: anonBlock, Weight: min(g.Weight, wLikely), Line: g.Line, Host: g.Host, Target: g.Target,
					What: "ECR Public serves every image without a login: the lapsed stored token is what stops the pull (docker logout public.ecr.aws)",
					Alt:  alts(expired),
				})
			case noPerm, badCreds:
				// ECR Public refuses a pull only for the token sent with
				// it: a stored one that lapsed (its tokens last 12 hours).
				g.Cause, g.Weight, g.Class, g.Alt = anonBlock, max(g.Weight, wLikely+5), plain, alts(expired, noPerm)
				g.What = "ECR Public serves every image without a login, and refused the stored token sent with this pull: " + g.What
			}
		}
		out = append(out, g)
	}
	return out
}

// byTarget reads an authentication or permission failure by the registry
// that gave it, and reports whether it still says something about an ACR
// login.
func byTarget(g signal, f facts) (signal, bool) {
	if g.push {
		g.pull = false // a push's HEAD of its blobs asks to write them
	}
	switch g.Target {
	case hubTarget:
		switch {
		case g.Class == badPassword && g.pull && f.servicePull:
			g.Cause, g.Weight, g.Class, g.Alt = regName, wLikely+5, plain, alts(badCreds)
			g.What = "the service sent the app's registry credentials to Docker Hub: the image reference has no registry host in front (" + g.What + ")"
			return g, true
		case g.Class == badPassword && g.pull && f.apiApp:
			// The app's own sign-in, not Docker's store, gave the
			// credential: docker logout does not reach it.
			g.Weight, g.Class, g.Alt = wLikely+5, plain, alts(anonBlock)
			g.What = "Docker Hub refused the credential the app signed in with: " + g.What
			g.fix = []string{"sign out of the app (Kitematic, What's Up Docker …) and sign in again with the Docker ID, not the e-mail address: docker logout does not reach the app's own sign-in"}
			return g, true
		case g.Class == badPassword && g.pull:
			g.Cause, g.Weight, g.Class, g.Alt = anonBlock, wLikely+2, plain, alts(badCreds)
			g.What = "Docker Hub refused a stored credential on a pull that needs none: " + g.What
			return g, true
		case g.Class == authFail && g.pull && g.library:
			g.Cause, g.Weight, g.Class, g.Alt = regName, wLikely, plain, alts(badCreds)
			g.What = "Docker Hub's official images need no login: no such official image, or a reference that lost its registry (" + g.What + ")"
			return g, true
		case g.Class == badPassword && f.loginVar && !g.pull:
			// Docker Hub answered a login whose registry the shell
			// filled in: it filled in nothing.
			g.Cause, g.Weight, g.Class, g.Alt = regName, wLikely+10, plain, alts(badCreds)
			g.What = "Docker Hub answered a login whose registry a variable or command left empty: " + g.What
			return g, true
		case g.Class == badPassword && !f.acr:
			// Nothing in the text is ACR's: a login to Docker Hub itself
			// was refused, and what it then pushed was refused for that.
			g.Weight, g.Class, g.Alt = wLikely+10, plain, alts(regName, credStore)
			g.What = "Docker Hub refused the login: " + g.What
			return g, true
		case g.Class == denied || g.Class == repoMissing || f.hubPush:
			g.Cause, g.Weight, g.Class, g.Alt = regName, wLikely+5, plain, alts(noPerm, badCreds)
			g.What = "the request went to Docker Hub: the image reference has no registry host in front (" + g.What + ")"
			return g, true
		}
		if g.Class == authFail && !g.noCred && !g.pull && (!f.acr || !g.push) {
			// A credential was sent, and nothing in the text is ACR's or
			// the request was no ACR push's (a build's base image):
			// Docker Hub's token service refused it (it gives any
			// anonymous caller a token).
			g.Weight, g.Class, g.Alt = wLikely-5, plain, alts(anonBlock, credStore)
			g.What = "Docker Hub refused the credential sent: " + g.What
			return g, true
		}
		if g.Class == badPassword {
			// A login to Docker Hub itself, refused.
			g.Weight, g.Class, g.Alt = wLikely, plain, alts(credStore)
			g.What = "Docker Hub refused the credential: " + g.What
			return g, true
		}
		return g, false // a Docker Hub challenge says nothing of an ACR login
	case otherTarget:
		// Another registry's refusal names the same cause; its fixes are
		// that registry's own (fixOther), not Azure's.
		return g, true
	case mcrTarget:
		g.Cause, g.Weight, g.Class, g.Alt = regError, wLikely-5, plain, alts(netDown)
		g.What = "Microsoft Artifact Registry is public and never asks for credentials: " + g.What
		return g, true
	}
	if f.anonymousPull && !g.noCred && (g.Class == authFail || g.Class == repoMissing) {
		g.Cause, g.Weight, g.Class, g.Alt = anonBlock, wLikely+5, plain, alts(badCreds, credStore)
		g.What = "the registry allows anonymous pull, yet refused the credential sent: " + g.What
	}
	return g, true
}

// ecrPublicPull reports whether g is about a pull from ECR Public with a
// stored token: not a push, not a request for an anonymous token, not a
// node's pull (whose secret no logout reaches).
func ecrPublicPull(s *state, g signal) bool {
	if h, _ := hostPort(g.req); h != "public.ecr.aws" || g.push || g.Line >= len(s.lines) {
		return false
	}
	lo := strings.ToLower(s.lines[g.Line])
	if strings.Contains(lo, "anonymous token") || nodePull(s.lines[g.Line]) {
		return false
	}
	return g.pull || strings.Contains(lo, "pull access denied for ")
}

// certClock reads a certificate "expired or not yet valid": against a
// registry whose certificates are valid, the local clock is wrong.
func certClock(g signal) signal {
	if h, _ := hostPort(g.req); g.Target == acrTarget || g.Target == mcrTarget || g.Target == hubTarget || wellKnown[h] {
		g.Cause, g.Weight, g.Alt = clock, wLikely+5, alts(tlsFail)
		g.What += ": the registry's certificate is valid, so this machine's clock is off"
	}
	return g
}

// lineHasOther reports whether another cause is read on g's line.
func lineHasOther(sigs []signal, g signal) bool {
	for _, o := range onLines(sigs, g.Line, g.Line) {
		if o.Cause != g.Cause && o.Class != serverFail && o.Class != unsetName && o.Class != wrapper && o.Weight > wWeak {
			return true
		}
	}
	return false
}

// refined reports whether a check-health code's message line (az prints it
// on the same or the next line) states the answer that decides it.
func refined(sigs []signal, g signal) bool {
	for _, o := range onLines(sigs, g.Line, g.Line+1) {
		if strings.HasPrefix(o.What, "Response code") {
			return true
		}
	}
	return false
}

// onLines is the run of sigs (in line order) on lines from to to.
func onLines(sigs []signal, from, to int) []signal {
	i, _ := slices.BinarySearchFunc(sigs, from, func(g signal, l int) int { return cmp.Compare(g.Line, l) })
	j, _ := slices.BinarySearchFunc(sigs, to+1, func(g signal, l int) int { return cmp.Compare(g.Line, l) })
	return sigs[i:j]
}

// explains lists, for a cause found at least likely, the causes whose
// generic signals (a 401, a DENIED, a 5xx, a missing challenge) it accounts
// for: those step back to possible.
var explains = map[cause.ID][]cause.ID{
	regName:   {badCreds, noPerm, anonBlock, regError, expired},
	credStore: {badCreds, noPerm, expired},
	expired:   {badCreds, noPerm},
	notInAAD:  {badCreds, noPerm},
	clock:     {expired, badCreds},
	firewall:  {noPerm, badCreds, regError, expired},
	netDown:   {regError, badCreds},
	anonBlock: {badCreds},
	throttled: {expired, regError, badCreds, noPerm},
	tlsFail:   {regError, badCreds},
	noPerm:    {badCreds, expired},
}

// group is the signals of one cause.
type group struct {
	id     cause.ID
	best   signal
	weight int
	sigs   []signal
}

// groupKeeps is how many signals a group keeps for its evidence and
// alternatives: its strongest, and every one from this machine.
const groupKeeps = 8

// keep adds g to the group's signals, dropping the weakest when full.
func (gr *group) keep(g signal) {
	if len(gr.sigs) < groupKeeps || g.machine != nil {
		gr.sigs = append(gr.sigs, g)
		return
	}
	weakest := 0
	for i, o := range gr.sigs {
		if o.machine == nil && o.Weight < gr.sigs[weakest].Weight {
			weakest = i
		}
	}
	if g.Weight > gr.sigs[weakest].Weight {
		gr.sigs[weakest] = g
	}
}

// rank groups the signals by cause, steps back what more specific causes
// explain, and orders the causes most specific first; equally specific
// ones in the order of the text.
func rank(sigs []signal) []group {
	slices.SortStableFunc(sigs, func(a, b signal) int { return cmp.Compare(a.Line, b.Line) })
	top := map[cause.ID]int{}
	for _, g := range sigs {
		top[g.Cause] = max(top[g.Cause], g.Weight)
	}
	weights := explainers(sigs)
	for i, g := range sigs {
		if !g.Class.generic() {
			continue
		}
		for _, by := range explainedBy[g.Cause] {
			if top[by] < likelyAt {
				continue
			}
			if ok, same := weights.explain(sigs, by, g); ok {
				// The same words read two ways: the specific reading is
				// the finding. Another line's failure stays a possibility.
				sigs[i].Weight = min(g.Weight, wWeak)
				if same {
					sigs[i].Weight = 0
				}
				break
			}
		}
	}
	byID := map[cause.ID]*group{}
	var gs []*group
	for _, g := range sigs {
		if g.Weight <= 0 {
			continue
		}
		gr := byID[g.Cause]
		if gr == nil {
			gr = &group{id: g.Cause, best: g}
			byID[g.Cause] = gr
			gs = append(gs, gr)
		}
		gr.keep(g)
		if g.Weight > gr.best.Weight || g.Weight == gr.best.Weight && g.Line < gr.best.Line && g.Line >= 0 {
			gr.best = g
		}
		gr.weight = gr.best.Weight
	}
	slices.SortStableFunc(gs, func(a, b *group) int {
		if c := cmp.Compare(b.weight, a.weight); c != 0 {
			return c
		}
		return cmp.Compare(lineOrder(a.best.Line), lineOrder(b.best.Line))
	})
	out := make([]group, len(gs))
	for i, g := range gs {
		out[i] = *g
	}
	return out
}

// strongest are, per cause, the highest weights of its specific and of its
// generic signals.
type strongest struct{ specific, generic map[cause.ID]int }

func explainers(sigs []signal) strongest {
	w := strongest{map[cause.ID]int{}, map[cause.ID]int{}}
	for _, o := range sigs {
		m := w.specific
		if o.Class.generic() {
			m = w.generic
		}
		m[o.Cause] = max(m[o.Cause], o.Weight)
	}
	return w
}

// explain reports whether a signal of cause by stands to explain g, being
// specific, or generic and stronger than g (a generic failure does not
// explain away another of equal weight), and whether one is on g's line.
func (w strongest) explain(sigs []signal, by cause.ID, g signal) (ok, sameLine bool) {
	stands := func(o signal) bool {
		return o.Weight >= likelyAt && (!o.Class.generic() || o.Weight > g.Weight)
	}
	if w.specific[by] < likelyAt && (w.generic[by] < likelyAt || w.generic[by] <= g.Weight) {
		return false, false
	}
	for _, o := range onLines(sigs, g.Line, g.Line) {
		if o.Cause == by && stands(o) {
			return true, true
		}
	}
	return true, false
}

// explainedBy inverts explains, in a fixed order so that the result does
// not depend on map iteration.
var explainedBy = func() map[cause.ID][]cause.ID {
	m := map[cause.ID][]cause.ID{}
	for _, by := range cause.IDs() {
		for _, id := range explains[by] {
			m[id] = append(m[id], by)
		}
	}
	return m
}()

// lineOrder puts machine-only signals (line -1) after the text's.
func lineOrder(l int) int {
	if l < 0 {
		return 1 << 30
	}
	return l
}

// confidence is the band a weight falls in.
func confidence(w int) Confidence {
	switch {
	case w >= certainAt:
		return Certain
	case w >= likelyAt:
		return Likely
	}
	return Possible
}

// findings turns ranked groups into findings with their evidence and fix.
func findings(s *state, gs []group, given []string) []Finding {
	if len(gs) == 0 {
		return []Finding{} // nothing to quote, and nothing to redact
	}
	out := make([]Finding, 0, len(gs))
	safe := map[int]string{} // redaction is the costly part: once per line
	// What the text tells a CI to mask is masked on every line, as the
	// CI masks it; so is a secret found where it is given (-p X), which
	// the text may show again where nothing marks it ("X rejected").
	var masks []string
	given = append(append(append(slices.Clip(given), redact.Values(s.pasted)...), redact.Values(s.lines)...), s.secretUsers...) // as pasted and as read
	for _, v := range append(redact.Masked(s.lines), given...) {
		// A registry's name given with -p (the admin user's name, -u and
		// -p swapped) is no secret: masked, every login server naming it
		// would be unreadable.
		if !slices.ContainsFunc(s.registries, func(r string) bool { name, _, _ := strings.Cut(r, "."); return strings.EqualFold(v, name) }) {
			masks = append(masks, v, redact.Mark)
		}
	}
	mask := strings.NewReplacer(masks...)
	safeLine := func(i int) string {
		if v, ok := safe[i]; ok {
			return v
		}
		// Redacted whole, as pasted and, where the words differ, as read
		// too (a JSON string's escaped quote is inside its value as
		// pasted; an entity or an invisible character cuts a keyword in
		// two until it is read).
		line := mask.Replace(s.pasted[i])
		if w := words(line); w != line {
			line = mask.Replace(words(Redact(line)))
		}
		safe[i] = Redact(strings.TrimSpace(line))
		return safe[i]
	}
	// What this machine says (a helper's error) may repeat a secret the
	// text gave: masked the same way.
	safeText := func(t string) string { return Redact(mask.Replace(t)) }
	for _, g := range gs {
		out = append(out, finding(s, g, safeLine, safeText))
	}
	return out
}

// finding is the finding of g; safeLine is a line of the text masked and
// redacted, which is all a finding quotes of it, and safeText masks and
// redacts what the machine says.
func finding(s *state, g group, safeLine func(line int) string, safeText func(string) string) Finding {
	best := g.best
	reg := best.Host
	if reg == "" && !best.Target.foreign() {
		reg = s.first
	}
	f := Finding{Registry: reg, Confidence: confidence(g.weight)}
	if best.Line >= 0 {
		f.LineNo = s.lineNo(best.Line)
		f.Line = shown(safeLine(best.Line))
	}
	// Text evidence: the lines of the strongest signals, best first.
	sigs := slices.Clone(g.sigs)
	slices.SortStableFunc(sigs, func(a, b signal) int {
		if c := cmp.Compare(b.Weight, a.Weight); c != 0 {
			return c
		}
		return cmp.Compare(lineOrder(a.Line), lineOrder(b.Line))
	})
	seen := map[int]bool{}
	var machine []Evidence
	for _, sg := range sigs {
		if sg.machine != nil {
			// The machine's word, and the text's failure it explains.
			machine = append(machine, Evidence{Source: FromMachine, Text: safeText(sg.machine.Evidence)})
		}
		if sg.Line < 0 || seen[sg.Line] || len(seen) == maxEvidence {
			continue
		}
		seen[sg.Line] = true
		f.Evidence = append(f.Evidence, Evidence{Source: FromText, LineNo: s.lineNo(sg.Line), Text: shown(safeLine(sg.Line))})
	}
	f.Evidence = append(f.Evidence, machine...)
	for _, sg := range sigs {
		for _, a := range sg.Alt {
			if a != g.id && !slices.Contains(f.Alternatives, a) && len(f.Alternatives) < maxAlt {
				f.Alternatives = append(f.Alternatives, a)
			}
		}
	}
	host, name := "<registry>", "<name>"
	if reg != "" {
		host = reg
		if sv, ok := loginserver.Parse(reg); ok && sv.Name != "" {
			name = sv.Name
		}
	}
	ev := f.Line
	fix := fixes[g.id](host, name)
	switch {
	case best.fix != nil:
		fix = best.fix
	case best.Class == noImage:
		fix = fixNoImage(host, name, repository(safeLine(best.Line), reg), reg != "")
	case g.id == badCreds && best.Line >= 0 && nodePull(s.lines[best.Line]) && reg != "":
		fix = fixClusterPull(host, name)
	case g.id == badCreds && reg != "" && s.adminLogin == strings.ToLower(reg):
		fix = fixAdmin(host, name)
	case g.id == anonBlock && best.Target == hubTarget:
		fix = fixHubLogout()
	case g.id == noPerm && best.push && reg != "" && !best.Target.foreign():
		fix = fixPushRole(host, name)
	case g.id == throttled && best.push && best.Target == hubTarget:
		fix = []string{"Docker Hub limits requests by account and address: retry later, with fewer parallel pushes; a paid plan has higher limits"}
	case g.id == throttled && hubLimit(g):
		fix = fixHubLimit(name)
	case reg == "" && best.Target == otherTarget:
		fix = fixOther(g.id, best.req)
	case reg == "" && best.Target == hubTarget:
		fix = fixHub(g.id)
	}
	if m := machineCause(g); m != nil {
		if f.Line == "" {
			ev = safeText(m.Evidence)
		}
		if len(m.Remediation) > 0 {
			fix = m.Remediation
		}
	}
	if s.facts.podman {
		fix = forPodman(fix, host)
	}
	f.Cause = cause.New(g.id, ev, fix...)
	if t := best.Target; t.foreign() && reg == "" || g.id == throttled && hubLimit(g) {
		if t == noTarget {
			t = hubTarget // Docker Hub's own words for its limit
		}
		// Another registry's failure: its own documentation, and no
		// check-health code, which is ACR's.
		f.Cause.Docs, f.Cause.CheckHealth = []string{registryDocs(best.req, t, g.id)}, ""
	}
	return f
}

// hubLimit reports whether g holds Docker Hub's limit.
func hubLimit(g group) bool {
	return slices.ContainsFunc(g.sigs, func(s signal) bool { return s.Target == hubTarget })
}

// registryDocs is the page of a registry other than ACR about logging in
// to it (or, for Docker Hub's limit, about the limit).
func registryDocs(req string, t target, id cause.ID) string {
	h, _ := hostPort(req)
	switch {
	case t == hubTarget && id == throttled:
		return "https://docs.docker.com/docker-hub/usage/"
	case t == hubTarget:
		return "https://docs.docker.com/reference/cli/docker/login/"
	case t == mcrTarget:
		return "https://github.com/microsoft/containerregistry"
	case h == "ghcr.io":
		return "https://docs.github.com/packages/working-with-a-github-packages-registry/working-with-the-container-registry"
	case h == "quay.io":
		return "https://docs.quay.io/guides/login.html"
	case h == "public.ecr.aws":
		return "https://docs.aws.amazon.com/AmazonECR/latest/public/public-registries.html"
	case strings.Contains(h, ".dkr.ecr"):
		return "https://docs.aws.amazon.com/AmazonECR/latest/userguide/registry_auth.html"
	case h == "gcr.io" || strings.HasSuffix(h, ".gcr.io") || strings.HasSuffix(h, "-docker.pkg.dev"):
		return "https://cloud.google.com/artifact-registry/docs/docker/authentication"
	}
	return "https://docs.docker.com/reference/cli/docker/login/"
}

// forPodman is fix for a text whose client is Podman or Buildah: their
// own login and logout, and az's token handed to them (az acr login logs
// Docker in, and needs Docker).
func forPodman(fix []string, host string) []string {
	out := make([]string, 0, len(fix))
	for _, f := range fix {
		if name, ok := strings.CutPrefix(f, "az acr login -n "); ok && host != "" && !strings.Contains(f, "--expose-token") {
			name, _, _ = strings.Cut(name, " ")
			f = shell.Sprintf("az acr login -n %s --expose-token --output tsv --query accessToken | podman login %s -u 00000000-0000-0000-0000-000000000000 --password-stdin", shell.RegistryName(name).Or("<name>"), shell.Host(host).Or("<registry>"))
		}
		out = append(out, strings.NewReplacer("docker logout ", "podman logout ", "docker login ", "podman login ").Replace(f))
	}
	return out
}

// machineCause is the strongest cause from this machine in g, or nil.
func machineCause(g group) *cause.Cause {
	var best *signal
	for i := range g.sigs {
		if sg := &g.sigs[i]; sg.machine != nil && (best == nil || sg.Weight > best.Weight) {
			best = sg
		}
	}
	if best == nil {
		return nil
	}
	return best.machine
}
