"""The track stage: people (YOLO or HOG + deep-sort-realtime) and faces (MTCNN) over time."""
