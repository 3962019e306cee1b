; SPDX-License-Identifier: GPL-3.0-or-later
; C04 high bit depth: the same 64x64 content at 8-bit, 16-bit, 16-bit
; linear and 32-bit float, fixed seed, a 16-bit gray TIFF as the style.
; Results agree within 2 levels once read as 8-bit, none is washed out or
; black, and the new layer keeps the image's precision.

(define c04-style (ns-path "odd/chessboard_GRAY_U16.tif"))

; Runs the filter on 64x64 chelsea at precision p; returns the new layer's
; pixels on a 4-pixel grid, after checking the layer's depth.
(define (c04-run p tag)
  (let* ((img (ns-load "content/chelsea.png"))
         (src (ns-top img)))
    (gimp-image-scale img 64 64)
    (if (not (= p (car (gimp-image-get-precision img))))
        (gimp-image-convert-precision img p))
    (let* ((out (ns-run img src c04-style))
           (pixels '()))
      (ns-check (string-append tag " precision kept")
                (= (car (gimp-image-get-precision img)) p)
                (gimp-image-get-precision img))
      (ns-check (string-append tag " layer depth")
                (= (car (gimp-drawable-get-bpp out))
                   (car (gimp-drawable-get-bpp src)))
                (gimp-drawable-get-bpp out) (gimp-drawable-get-bpp src))
      (ns-every 64 64 4
        (lambda (x y) (set! pixels (cons (ns-pixel out x y) pixels)) #t))
      (gimp-image-delete img)
      pixels)))

(define (c04-mean pixels)
  (/ (apply + (map (lambda (p) (+ (car p) (cadr p) (caddr p))) pixels))
     (* 3 (length pixels))))

(let ((u8 (c04-run PRECISION-U8-NON-LINEAR "c04 u8")))
  (ns-check "c04 u8 not washed out or black"
            (< 30 (c04-mean u8) 225) (c04-mean u8))
  (for-each
    (lambda (p)
      (let* ((other (c04-run (car p) (cadr p)))
             (diff (apply max (map ns-max-diff u8 other))))
        (ns-check (string-append (cadr p) " agrees with u8") (<= diff 2)
                  "max difference " diff " levels")))
    (list (list PRECISION-U16-NON-LINEAR "c04 u16")
          (list PRECISION-U16-LINEAR "c04 u16 linear")
          (list PRECISION-FLOAT-LINEAR "c04 float"))))
