// A main() for fuzz targets built without libFuzzer: runs the target on every
// file of the corpus directories given as arguments, so the seeds (and any
// input that once crashed) are checked in every test run.
#include <dirent.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int main(int argc, char** argv) {
    int files = 0;
    for (int i = 1; i < argc; ++i) {
        DIR* dir = opendir(argv[i]);
        if (!dir) {
            std::fprintf(stderr, "cannot open corpus %s\n", argv[i]);
            return 1;
        }
        while (dirent* e = readdir(dir)) {
            if (e->d_name[0] == '.') continue;
            const std::string path = std::string(argv[i]) + "/" + e->d_name;
            std::ifstream in(path, std::ios::binary);
            std::stringstream ss;
            ss << in.rdbuf();
            const std::string data = ss.str();
            LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(data.data()), data.size());
            ++files;
        }
        closedir(dir);
    }
    std::printf("%d inputs replayed\n", files);
    return files > 0 ? 0 : 1;
}
