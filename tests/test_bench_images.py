"""The measurement behind the rendition qualities (bench/images.py): its SSIM and its cases."""
import pytest
from PIL import Image

from bench.images import cases, options, ssim
from newsroom.images import renditions


def flat(value: int, size=(64, 48)) -> Image.Image:
    return Image.new("L", size, value)


class TestSsim:
    def test_a_picture_against_itself_is_one(self):
        noise = Image.effect_noise((64, 48), 40)
        assert ssim(noise, noise) == 1.0

    def test_flat_pictures_compare_by_brightness_alone(self):
        """Without structure SSIM is the luminance term: (2ab + C1) / (a² + b² + C1), C1 = (0.01·255)²."""
        c1 = (0.01 * 255) ** 2
        assert ssim(flat(100), flat(110)) == pytest.approx((2 * 100 * 110 + c1) / (100**2 + 110**2 + c1), abs=1e-12)

    def test_an_inverted_picture_scores_below_zero(self):
        noise = Image.effect_noise((64, 48), 40)
        assert ssim(noise, noise.point(lambda v: 255 - v)) < 0


class TestCases:
    def test_every_width_a_photo_reaches_and_never_an_upscale(self):
        assert [name for name, _image in cases()] == [
            "astronaut@480", "camera@480", "chelsea@451", "coffee@480",
            "colorful_cups@480", "colorful_cups@960", "colorful_cups@1600",
            "fallen_leaf@480", "fallen_leaf@960", "fallen_leaf@1600",
            "hubble_deep_field@480", "hubble_deep_field@960", "retina@480", "retina@960", "rocket@480",
        ]

    def test_the_bench_measures_the_encoder_options_the_renditions_use(self):
        """The chosen qualities are the bench's, with the renditions' speed and method."""
        assert options("avif", renditions.QUALITY["avif"], renditions.AVIF_SPEED) == {
            "format": "AVIF", "quality": 64, "speed": 6, "subsampling": "4:2:0", "max_threads": 1,
        }
        assert options("webp", renditions.QUALITY["webp"], 6) == {"format": "WEBP", "quality": 86, "method": 6}
        assert options("jpeg", renditions.QUALITY["jpeg"], 6) == {
            "format": "JPEG", "quality": 80, "optimize": True, "progressive": True, "subsampling": "4:2:0",
        }
