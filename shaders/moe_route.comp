// A mixture of experts' routing for one token per workgroup (qwen3moe, llama.cpp's
// build_moe_ffn with softmax gating): p = softmax(router logits), the n_used experts of highest
// p, their weights p (divided by their sum, clamped below at 6.1e-5, when `norm`). Ids and
// weights stay on the device for the by-id kernels.
// The experts are ranked exactly as llama.cpp's CPU backend ranks them: ggml_argsort_top_k is
// std::sort over the ids with "greater score" as the comparator, and std::sort is not stable,
// so equal scores come out in the order libstdc++'s introsort leaves them. One invocation
// replays that algorithm step for step (bits/stl_algo.h, stl_heap.h: median-of-three quicksort
// down to ranges of 16, heapsort past the depth limit, a final insertion sort); for the few
// hundred experts of real models this is a small fraction of the experts' matrix products.
// Scores are the logits: softmax keeps their order and their ties.
#version 450
layout(local_size_x = 1) in;
layout(constant_id = 0) const uint N_EXPERT = 8;

// Mirrors MoeRoutePush in engine/ops/kernels.h.
layout(push_constant) uniform Push {
  uint n_used;         // experts per token (top-k)
  uint logits_off;     // element offsets; per-token strides are N_EXPERT and n_used
  uint ids_off;
  uint weights_off;
  uint norm;           // nonzero: weights divided by their sum
} pc;

layout(std430, binding = 0) readonly buffer Logits { float logits[]; };
layout(std430, binding = 1) writeonly buffer Ids { int ids[]; };
layout(std430, binding = 2) writeonly buffer Weights { float weights[]; };

shared float v[N_EXPERT];  // the token's scores
shared int a[N_EXPERT];    // the ids being sorted (std::sort's range)

// The comparator of ggml's descending argsort: is the expert at position i ranked before j's?
bool before(int i, int j) { return v[a[i]] > v[a[j]]; }
void swap_at(int i, int j) { int t = a[i]; a[i] = a[j]; a[j] = t; }

// std::__unguarded_linear_insert
void unguarded_linear_insert(int last) {
  int val = a[last];
  int next = last - 1;
  while (v[val] > v[a[next]]) {
    a[last] = a[next];
    last = next;
    --next;
  }
  a[last] = val;
}

// std::__insertion_sort over [first, last)
void insertion_sort(int first, int last) {
  if (first == last) return;
  for (int i = first + 1; i != last; ++i) {
    if (before(i, first)) {
      int val = a[i];
      for (int j = i; j > first; --j) a[j] = a[j - 1];
      a[first] = val;
    } else {
      unguarded_linear_insert(i);
    }
  }
}

// std::__move_median_to_first
void move_median_to_first(int result, int x, int y, int z) {
  if (before(x, y)) {
    if (before(y, z)) swap_at(result, y);
    else if (before(x, z)) swap_at(result, z);
    else swap_at(result, x);
  } else if (before(x, z)) {
    swap_at(result, x);
  } else if (before(y, z)) {
    swap_at(result, z);
  } else {
    swap_at(result, y);
  }
}

// std::__unguarded_partition with the pivot at position `pivot`
int unguarded_partition(int first, int last, int pivot) {
  while (true) {
    while (before(first, pivot)) ++first;
    --last;
    while (before(pivot, last)) --last;
    if (!(first < last)) return first;
    swap_at(first, last);
    ++first;
  }
  return first;  // not reached
}

// std::__push_heap on the heap at `base`, with value an id
void push_heap(int base, int hole, int top, int value) {
  int parent = (hole - 1) / 2;
  while (hole > top && v[a[base + parent]] > v[value]) {
    a[base + hole] = a[base + parent];
    hole = parent;
    parent = (hole - 1) / 2;
  }
  a[base + hole] = value;
}

// std::__adjust_heap
void adjust_heap(int base, int hole, int len, int value) {
  int top = hole;
  int second = hole;
  while (second < (len - 1) / 2) {
    second = 2 * (second + 1);
    if (before(base + second, base + second - 1)) second--;
    a[base + hole] = a[base + second];
    hole = second;
  }
  if ((len & 1) == 0 && second == (len - 2) / 2) {
    second = 2 * (second + 1);
    a[base + hole] = a[base + second - 1];
    hole = second - 1;
  }
  push_heap(base, hole, top, value);
}

// std::__partial_sort(first, last, last): __make_heap, then __sort_heap
void heap_sort(int first, int last) {
  int len = last - first;
  if (len >= 2) {
    for (int parent = (len - 2) / 2; parent >= 0; --parent) {
      adjust_heap(first, parent, len, a[first + parent]);
    }
  }
  for (int end = last; end - first > 1;) {
    --end;  // std::__pop_heap(first, end, end)
    int value = a[end];
    a[end] = a[first];
    adjust_heap(first, 0, end - first, value);
  }
}

const int kThreshold = 16;  // std::sort's _S_threshold

// std::sort(a, a + n): std::__introsort_loop with its recursion on [cut, last) kept on a stack
// (the ranges are disjoint, so the order they are done in changes nothing), then
// std::__final_insertion_sort.
void introsort(int n) {
  int depth0 = 0;
  for (int m = n; m > 1; m >>= 1) ++depth0;  // std::__lg
  depth0 *= 2;
  int stack_first[32], stack_last[32], stack_depth[32];
  int top = 0;
  stack_first[0] = 0;
  stack_last[0] = n;
  stack_depth[0] = depth0;
  top = 1;
  while (top > 0) {
    --top;
    int first = stack_first[top], last = stack_last[top], depth = stack_depth[top];
    while (last - first > kThreshold) {
      if (depth == 0) {
        heap_sort(first, last);
        break;
      }
      --depth;
      int mid = first + (last - first) / 2;
      move_median_to_first(first, first + 1, mid, last - 1);
      int cut = unguarded_partition(first + 1, last, first);
      // depth bounds the stack: at most depth0 + 1 <= 2 log2(N_EXPERT) + 1 ranges wait.
      stack_first[top] = cut;
      stack_last[top] = last;
      stack_depth[top] = depth;
      ++top;
      last = cut;
    }
  }
  if (n > kThreshold) {
    insertion_sort(0, kThreshold);
    for (int i = kThreshold; i != n; ++i) unguarded_linear_insert(i);
  } else {
    insertion_sort(0, n);
  }
}

void main() {
  uint tok = gl_WorkGroupID.x;
  uint lb = pc.logits_off + tok * N_EXPERT;
  float mx = logits[lb];
  for (uint e = 0; e < N_EXPERT; ++e) {
    v[e] = logits[lb + e];
    a[e] = int(e);
    mx = max(mx, v[e]);
  }
  float sum = 0.0;
  for (uint e = 0; e < N_EXPERT; ++e) sum += exp(v[e] - mx);
  introsort(int(N_EXPERT));

  float chosen = 0.0;
  for (uint j = 0; j < pc.n_used; ++j) chosen += exp(v[a[j]] - mx) / sum;
  float div = pc.norm != 0u ? max(chosen, 6.103515625e-5) : 1.0;
  uint ob = tok * pc.n_used;
  for (uint j = 0; j < pc.n_used; ++j) {
    ids[pc.ids_off + ob + j] = a[j];
    weights[pc.weights_off + ob + j] = exp(v[a[j]] - mx) / sum / div;
  }
}
