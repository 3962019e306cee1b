; SPDX-License-Identifier: GPL-3.0-or-later
; C13 feathered selection: an ellipse feathered by 20 px.  The new layer's
; mask is the soft selection: opaque at the centre, partial at the rim,
; clear in the corners, so the result blends into the original.

(let* ((img (ns-load "content/chelsea.png"))
       (src (ns-top img)))
  (gimp-image-scale img 96 64)
  (gimp-image-select-ellipse img CHANNEL-OP-REPLACE 16 8 64 48)
  (gimp-selection-feather img 20)
  (let* ((out (ns-run img src (ns-path "style/the_scream.jpg")))
         (mask (car (gimp-layer-get-mask out)))
         (off (gimp-drawable-get-offsets out))
         (w (car (gimp-drawable-get-width out)))
         (h (car (gimp-drawable-get-height out)))
         (gray (lambda (x y) (car (ns-pixel mask x y))))
         (soft 0))
    (ns-check "c13 has a mask" (>= mask 0))
    (ns-check "c13 layer inside the image"
              (and (>= (car off) 0) (>= (cadr off) 0)
                   (<= (+ (car off) w) 96) (<= (+ (cadr off) h) 64))
              off w h)
    (ns-check "c13 centre opaque" (>= (gray (quotient w 2) (quotient h 2)) 250)
              (gray (quotient w 2) (quotient h 2)))
    (ns-check "c13 corner clear" (<= (gray 0 0) 5) (gray 0 0))
    (ns-every w 1 1
      (lambda (x y)
        (let ((g (gray x (quotient h 2))))
          (if (< 10 g 245) (set! soft (+ soft 1))))
        #t))
    (ns-check "c13 soft edge across the middle row" (>= soft 6)
              soft " partial pixels"))
  (gimp-image-delete img))
