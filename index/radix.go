package index

// Building a table is sorting n (key, code index) pairs by key. A counting
// sort straight into 2^bits buckets writes to a random place of a large
// array for every pair, which at 10M codes costs a cache and TLB miss each;
// an LSD radix sort in passes of at most radixBits bits writes to a few
// thousand sequential streams instead, several times faster.

const radixBits = 12

// sortPairs sorts keys (each below 1<<bits) and vals together by key,
// stably, using tk and tv (as long as keys) as scratch. The result is in
// keys and vals.
func sortPairs(keys, vals, tk, tv []uint32, bits int) {
	passes := max(1, (bits+radixBits-1)/radixBits)
	width := (bits + passes - 1) / passes
	if passes%2 == 1 {
		// An odd number of passes would end in the scratch arrays: start
		// there instead.
		copy(tk, keys)
		copy(tv, vals)
		keys, vals, tk, tv = tk, tv, keys, vals
	}
	var count [1 << radixBits]int
	for p := range passes {
		shift := uint(p * width)
		mask := uint32(1)<<width - 1
		clear(count[:])
		for _, k := range keys {
			count[k>>shift&mask]++
		}
		sum := 0
		for d := range count[:1<<width] {
			count[d], sum = sum, sum+count[d]
		}
		for i, k := range keys {
			d := k >> shift & mask
			tk[count[d]], tv[count[d]] = k, vals[i]
			count[d]++
		}
		keys, vals, tk, tv = tk, tv, keys, vals
	}
}

// dirOf returns the directory of sorted keys: the keys equal to k are
// keys[dir[k]:dir[k+1]].
func dirOf(keys []uint32, bits uint) []uint32 {
	dir := hugeSlice[uint32](1<<bits + 1)
	j := 0
	for k := range uint32(1) << bits {
		dir[k] = uint32(j)
		for j < len(keys) && keys[j] == k {
			j++
		}
	}
	dir[len(dir)-1] = uint32(len(keys))
	return dir
}
