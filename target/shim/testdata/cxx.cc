// cxx.cc: every form of C++ operator new and delete, each in a request
// class of its own, N times (argument 1, default 1000), so the tests know
// each class's exact counts. Classes (haktop's): C1 new/delete expression
// (sized delete), C2 new[](al, nothrow) (32 bytes aligned 32, which
// mimalloc serves from its 32-byte class: its usable size of a block
// it had to align by hand is larger), C3 new/delete, C4 new[]/delete[],
// C5 sized delete, C6 sized delete[], C7 new(nothrow), P0 new[](nothrow),
// P2 new(al), P3 new[](al), P4 sized delete(al), P5 sized delete[](al),
// P6 new(al, nothrow).
#include <cstdio>
#include <cstdlib>
#include <new>

struct Pair {
	long a, b;
};

static void *volatile keep;

int main(int argc, char **argv) {
	int n = argc > 1 ? std::atoi(argv[1]) : 1000;
	const std::align_val_t a32{32}, a64{64}, a128{128};
	for (int i = 0; i < n; i++) {
		Pair *pair = new Pair{1, 2}; // _Znwm(16), _ZdlPvm(p, 16)
		keep = pair;
		delete pair;
		void *p;
		p = ::operator new[](32, a32, std::nothrow);
		keep = p;
		::operator delete[](p, a32, std::nothrow);
		p = ::operator new(40);
		keep = p;
		::operator delete(p);
		p = ::operator new[](100);
		keep = p;
		::operator delete[](p);
		p = ::operator new(200);
		keep = p;
		::operator delete(p, 200);
		p = ::operator new[](300);
		keep = p;
		::operator delete[](p, 300);
		p = ::operator new(600, std::nothrow);
		keep = p;
		::operator delete(p, std::nothrow);
		p = ::operator new[](1500, std::nothrow);
		keep = p;
		::operator delete[](p, std::nothrow);
		p = ::operator new(5000, a64);
		keep = p;
		::operator delete(p, a64);
		p = ::operator new[](10000, a128);
		keep = p;
		::operator delete[](p, a128);
		p = ::operator new(20000, a64);
		keep = p;
		::operator delete(p, 20000, a64);
		p = ::operator new[](40000, a128);
		keep = p;
		::operator delete[](p, 40000, a128);
		p = ::operator new(60000, a64, std::nothrow);
		keep = p;
		::operator delete(p, a64, std::nothrow);
	}
	std::printf("n=%d\n", n);
	return 0;
}
