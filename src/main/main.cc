#include <cstdio>

int main() { std::puts("stratus"); return 0; }
