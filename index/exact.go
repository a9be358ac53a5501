package index

import "sync"

// Exact is a set of entries looked up by exact value: an MD5 ([16]byte),
// SHA-1 ([20]byte) or SHA-256 ([32]byte) digest. Several entries (in
// several banks) may share a value. Its zero value is not ready: use
// NewExact. It is safe for concurrent use.
type Exact[K comparable] struct {
	mu   sync.RWMutex
	head map[K]int32     // first node of the value's chain
	byID map[int64]int32 // node of each entry
	node []exactNode[K]
	free []int32
}

// exactNode is one entry, chained to the next entry with the same value;
// chains in one slab avoid a slice per value.
type exactNode[K comparable] struct {
	id, bank int64
	key      K
	next     int32 // -1 ends the chain
}

// NewExact returns an empty exact-match set.
func NewExact[K comparable]() *Exact[K] {
	return &Exact[K]{head: make(map[K]int32), byID: make(map[int64]int32)}
}

// Add stores an entry with value key, replacing any entry with the same id.
func (x *Exact[K]) Add(id, bank int64, key K) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.removeLocked(id)
	n := exactNode[K]{id: id, bank: bank, key: key, next: -1}
	if h, ok := x.head[key]; ok {
		n.next = h
	}
	var i int32
	if k := len(x.free); k > 0 {
		i, x.free = x.free[k-1], x.free[:k-1]
		x.node[i] = n
	} else {
		i = int32(len(x.node))
		x.node = append(x.node, n)
	}
	x.head[key] = i
	x.byID[id] = i
}

// Remove deletes the entry with id and reports whether there was one.
func (x *Exact[K]) Remove(id int64) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.removeLocked(id)
}

func (x *Exact[K]) removeLocked(id int64) bool {
	i, ok := x.byID[id]
	if !ok {
		return false
	}
	delete(x.byID, id)
	key := x.node[i].key
	if h := x.head[key]; h == i {
		if next := x.node[i].next; next >= 0 {
			x.head[key] = next
		} else {
			delete(x.head, key)
		}
	} else {
		p := h
		for x.node[p].next != i {
			p = x.node[p].next
		}
		x.node[p].next = x.node[i].next
	}
	var zero K
	x.node[i] = exactNode[K]{key: zero, next: -1}
	x.free = append(x.free, i)
	return true
}

// Lookup returns the entries with value key (at distance 0), by ID.
func (x *Exact[K]) Lookup(key K) []Match {
	x.mu.RLock()
	defer x.mu.RUnlock()
	h, ok := x.head[key]
	if !ok {
		return nil
	}
	var ms []Match
	for i := h; i >= 0; i = x.node[i].next {
		ms = append(ms, Match{ID: x.node[i].id, Bank: x.node[i].bank})
	}
	sortMatches(ms)
	return ms
}

// Len returns the number of entries.
func (x *Exact[K]) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.byID)
}
