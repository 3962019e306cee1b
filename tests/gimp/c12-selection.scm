; SPDX-License-Identifier: GPL-3.0-or-later
; C12 selection off the layer: a 200x200 image, a 120x80 layer at (50,60),
; a selection from (120,100) running past the layer's and the canvas's
; edges.  The new layer covers exactly the selected part of the layer,
; 50x40 at (120,100); the source layer is never changed.

(let* ((img (car (gimp-image-new 200 200 RGB)))
       (bg (car (gimp-layer-new img "bg" 200 200 RGB-IMAGE 100
                                LAYER-MODE-NORMAL)))
       (src (car (gimp-file-load-layer RUN-NONINTERACTIVE img
                                       (ns-path "content/chelsea.png")))))
  (gimp-image-insert-layer img bg 0 0)
  (gimp-drawable-fill bg FILL-WHITE)
  (gimp-image-insert-layer img src 0 0)
  (gimp-item-set-name src "photo")
  (gimp-layer-scale src 120 80 FALSE)
  (gimp-layer-set-offsets src 50 60)
  (gimp-image-select-rectangle img CHANNEL-OP-REPLACE 120 100 150 150)
  (let* ((before (list (ns-pixel src 10 10) (ns-pixel src 80 50)))
         (out (ns-run img src (ns-path "style/starry_night.jpg")))
         (mask (car (gimp-layer-get-mask out))))
    (ns-check-layer "c12" out "photo (Neural Style)" 50 40 120 100
                    (car (gimp-drawable-type src)))
    (ns-check "c12 above the source"
              (= (car (gimp-image-get-item-position img out))
                 (- (car (gimp-image-get-item-position img src)) 1)))
    (ns-check "c12 source untouched"
              (equal? (list (ns-pixel src 10 10) (ns-pixel src 80 50))
                      before))
    (ns-check "c12 result changed"
              (> (ns-max-diff (ns-pixel out 10 10) (ns-pixel src 80 50)) 2)
              (ns-pixel out 10 10) (ns-pixel src 80 50))
    (ns-check "c12 masked by the selection" (>= mask 0) mask)
    (ns-check "c12 mask fully selected"
              (and (equal? (ns-pixel mask 0 0) (ns-pixel mask 49 39))
                   (= (car (ns-pixel mask 25 20)) 255))
              (ns-pixel mask 0 0)))
  (gimp-image-delete img))

; A selection that misses the layer altogether is an error, not a layer.
(let* ((img (car (gimp-image-new 100 100 RGB)))
       (l (car (gimp-layer-new img "small" 20 20 RGB-IMAGE 100
                               LAYER-MODE-NORMAL))))
  (gimp-image-insert-layer img l 0 0)
  (gimp-image-select-rectangle img CHANNEL-OP-REPLACE 50 50 20 20)
  (ns-check "c12 selection off the layer fails"
            (and (not (ns-try (lambda ()
                                (ns-run img l (ns-path "style/brick.png")))))
                 (ns-contains? ns-last-error "does not touch the layer")
                 (= (ns-n-layers img) 1))
            ns-last-error)
  (gimp-image-delete img))
