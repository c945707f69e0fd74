"""The picture library: safe uploads, the stored images and their renditions."""
