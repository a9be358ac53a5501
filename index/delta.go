package index

import "slices"

// delta holds the entries added since the last flush, unindexed. It stays
// small (Index.DeltaSize), so scanning it costs about a microsecond.
type delta struct {
	codes []code
	ids   []int64
	banks []int64
}

func (d *delta) len() int { return len(d.ids) }

func (d *delta) add(e Entry) {
	d.codes = append(d.codes, toCode(&e.Hash))
	d.ids = append(d.ids, e.ID)
	d.banks = append(d.banks, e.Bank)
}

// remove deletes the entry with id by moving the last entry into its place.
func (d *delta) remove(id int64) bool {
	i := slices.Index(d.ids, id)
	if i < 0 {
		return false
	}
	last := len(d.ids) - 1
	d.codes[i], d.ids[i], d.banks[i] = d.codes[last], d.ids[last], d.banks[last]
	d.codes, d.ids, d.banks = d.codes[:last], d.ids[:last], d.banks[:last]
	return true
}

// reset empties the delta, keeping its arrays: readers hold the read lock
// for a whole search and copy what they report.
func (d *delta) reset() {
	d.codes, d.ids, d.banks = d.codes[:0], d.ids[:0], d.banks[:0]
}

func (d *delta) entries(dst []Entry) []Entry {
	for i := range d.ids {
		dst = append(dst, Entry{ID: d.ids[i], Bank: d.banks[i], Hash: fromCode(&d.codes[i])})
	}
	return dst
}

func (d *delta) search(q *code, r int, banks []int64, dst []Match) []Match {
	for i := range d.codes {
		if dist := distance(&d.codes[i], q); dist <= r && inBanks(d.banks[i], banks) {
			dst = append(dst, Match{ID: d.ids[i], Bank: d.banks[i], Distance: dist})
		}
	}
	return dst
}
