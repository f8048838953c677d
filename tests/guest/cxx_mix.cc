// cxx_mix.cc — guest program in C++: the standard library as C++ programs use it (iostream
// formatting of double, float and long double; std::string building, find and compare;
// vector/map/unordered_map; sort, accumulate, transform; exceptions thrown through several
// frames and caught by type; virtual calls and std::function; std::stod / std::to_string;
// <cmath> in float, double and long double), with deterministic output compared with the
// native run.
#include <algorithm>
#include <cmath>
#include <functional>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <numeric>
#include <sstream>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

struct Shape {
    virtual ~Shape() = default;
    virtual double area() const = 0;
    virtual std::string name() const = 0;
};
struct Circle : Shape {
    double r;
    explicit Circle(double r_) : r(r_) {}
    double area() const override { return M_PI * r * r; }
    std::string name() const override { return "circle"; }
};
struct Rect : Shape {
    double w, h;
    Rect(double w_, double h_) : w(w_), h(h_) {}
    double area() const override { return w * h; }
    std::string name() const override { return "rect"; }
};

static int depth_throw(int n)
{
    if (n == 0) throw std::runtime_error("bottom reached");
    std::vector<int> guard(static_cast<size_t>(n), n);     // destructors run while unwinding
    return depth_throw(n - 1) + guard[0];
}

int main()
{
    std::vector<std::unique_ptr<Shape>> shapes;
    for (int i = 1; i <= 6; i++) {
        if (i % 2) shapes.push_back(std::make_unique<Circle>(i * 0.75));
        else shapes.push_back(std::make_unique<Rect>(i, i * 1.5 + 0.1));
    }
    double total = 0;
    for (const auto &s : shapes) {
        std::cout << s->name() << " " << std::setprecision(17) << s->area() << "\n";
        total += s->area();
    }
    std::cout << "total " << std::scientific << total << std::defaultfloat << "\n";

    std::vector<double> v;
    for (int i = 0; i < 200; i++) v.push_back(std::sin(i * 0.37) * 1000.0 + i);
    std::sort(v.begin(), v.end());
    std::cout << "min " << v.front() << " max " << v.back() << " sum "
              << std::accumulate(v.begin(), v.end(), 0.0) << "\n";
    std::vector<float> f(v.size());
    std::transform(v.begin(), v.end(), f.begin(), [](double x) { return static_cast<float>(std::sqrt(std::fabs(x))); });
    std::cout << std::fixed << std::setprecision(6) << "f[17] " << f[17] << " f[150] " << f[150]
              << std::defaultfloat << "\n";

    std::map<std::string, int> words;
    std::unordered_map<int, std::string> back;
    std::istringstream text("the quick brown fox jumps over the lazy dog the end fox");
    for (std::string w; text >> w;) words[w]++;
    for (const auto &[w, n] : words) {
        std::cout << w << "=" << n << " ";
        back[n] += w;
    }
    std::cout << "\n" << "count-1 words: " << back[1].size() << " letters\n";

    std::string s = "Hello, ferry! ";
    for (int i = 0; i < 5; i++) s += std::to_string(i * 1.25) + ";";
    std::cout << s << " find(ferry)=" << s.find("ferry") << " rfind(;)=" << s.rfind(';')
              << " cmp=" << s.compare("Hello") << "\n";
    std::cout << "stod " << std::setprecision(17) << std::stod("2.718281828459045") << " "
              << std::stof("0.1") << " " << std::stold("1.1") << "\n";

    long double ld = 1.0L;
    for (int i = 1; i < 20; i++) ld += 1.0L / std::tgamma(static_cast<long double>(i + 1));
    std::cout << "e~ " << std::setprecision(21) << ld << " sqrtl " << std::sqrt(2.0L) << "\n";

    std::function<long(long)> fib = [&](long n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); };
    std::cout << "fib(25) " << fib(25) << "\n";

    try {
        depth_throw(12);
    } catch (const std::logic_error &) {
        std::cout << "wrong handler\n";
    } catch (const std::runtime_error &e) {
        std::cout << "caught: " << e.what() << "\n";
    }
    try {
        std::vector<int> small(3);
        (void)small.at(10);
    } catch (const std::out_of_range &) {
        std::cout << "out_of_range caught\n";
    }
    return 0;
}
