"""Builds librltool with CMake and bundles it into the rltool package, so
`pip install .` gives a package that imports on its own (see pyproject.toml).

The CMake build folder is the checkout's build/ (what `make build` uses),
reused when already configured; RLTOOL_BUILD_DIR picks another one.
"""
import os
import shutil
import subprocess

from setuptools import Distribution, setup
from setuptools.command.build_py import build_py

ROOT = os.path.dirname(os.path.abspath(__file__))


class BuildPyWithLibrary(build_py):
    def run(self):
        super().run()
        build = os.environ.get("RLTOOL_BUILD_DIR") or os.path.join(ROOT, "build")
        if not os.path.exists(os.path.join(build, "CMakeCache.txt")):
            subprocess.check_call(["cmake", "-S", ROOT, "-B", build,
                                   "-DCMAKE_BUILD_TYPE=Release"])
        subprocess.check_call(["cmake", "--build", build, "--target", "rltool",
                               "-j", str(os.cpu_count() or 2)])
        # The real file, not the versioned symlinks, under the name the
        # package looks for first.
        lib = os.path.realpath(os.path.join(build, "librltool.so"))
        shutil.copyfile(lib, os.path.join(self.build_lib, "rltool", "librltool.so"))


class BinaryDistribution(Distribution):
    """The wheel holds a compiled library: tag it for this platform."""

    def has_ext_modules(self):
        return True


setup(cmdclass={"build_py": BuildPyWithLibrary}, distclass=BinaryDistribution,
      # setuptools' own scratch space, away from CMake's files in build/.
      options={"build": {"build_base": os.path.join("build", "python")}})
