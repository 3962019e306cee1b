; SPDX-License-Identifier: GPL-3.0-or-later
; The installed plug-in with the real engine and the real SqueezeNet
; weights: a new layer of the right name, size and place whose pixels
; changed the way a stylisation changes them (far from the original, yet
; its light and dark still follow the photograph).

(define (ns-luma p) (+ (* 0.299 (car p)) (* 0.587 (cadr p)) (* 0.114 (caddr p))))

(define (ns-mean xs) (/ (apply + xs) (length xs)))

(define (ns-correlation xs ys)
  (let* ((mx (ns-mean xs)) (my (ns-mean ys))
         (dx (map (lambda (x) (- x mx)) xs))
         (dy (map (lambda (y) (- y my)) ys))
         (sxy (apply + (map * dx dy)))
         (sxx (apply + (map * dx dx)))
         (syy (apply + (map * dy dy))))
    (if (or (= sxx 0) (= syy 0)) 0 (/ sxy (sqrt (* sxx syy))))))

(define (ns-samples drw w h step)
  (let loop ((y 2) (x 2) (acc '()))
    (cond ((>= y h) (reverse acc))
          ((>= x w) (loop (+ y step) 2 acc))
          (else (loop y (+ x step) (cons (ns-rgb (ns-pixel drw x y)) acc))))))

(let* ((img (car (gimp-file-load RUN-NONINTERACTIVE (ns-path "content/chelsea.png"))))
       (drw (vector-ref (car (gimp-image-get-layers img)) 0)))
  (gimp-image-scale img 96 64)
  (let* ((layer (car (plug-in-neural-style
                       #:run-mode RUN-NONINTERACTIVE
                       #:image img #:drawables (vector drw)
                       #:style-file (ns-path "style/starry_night.jpg")
                       #:iterations 40 #:stages 1 #:size 0 #:seed 3)))
         (before (ns-samples drw 96 64 6))
         (after (ns-samples layer 96 64 6))
         (scale (if (> (apply max (apply append before)) 1.5) 255 1))
         (change (/ (ns-mean (map (lambda (a b) (ns-max-diff a b)) before after))
                    scale))
         (follow (ns-correlation (map ns-luma before) (map ns-luma after))))
    (ns-check-layer "real" layer "Background (Neural Style)" 96 64 0 0
                    (car (gimp-drawable-type drw)))
    (display "  mean change ") (display change)
    (display ", luma correlation ") (display follow) (newline)
    (ns-check "real pixels changed like a stylisation" (> change 0.08) change)
    (ns-check "real photograph still recognisable" (> follow 0.3) follow))
  (gimp-image-delete img))
